"""Engine creation (SQLite in WAL mode, or PostgreSQL through psycopg 3) and automatic migrations."""

from __future__ import annotations

import contextlib
import fcntl
import sqlite3
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine
from sqlmodel import Session

from newsmon.errors import StorageError
from newsmon.settings import get_settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def normalize_url(url: str) -> str:
    """Accept postgresql:// and postgres:// as psycopg 3 URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def is_memory_url(url: str) -> bool:
    """True for an SQLite URL that names no file (`sqlite://`, `sqlite:///`, `:memory:`,
    `mode=memory`): such a database vanishes with the process."""
    if not url.startswith("sqlite"):
        return False
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        return False
    db = parsed.database or ""
    return db in ("", ":memory:") or parsed.query.get("mode") == "memory" or ":memory:" in db


def _describe(url: str) -> str:
    """The database a user would recognise: the file for SQLite, the URL without password otherwise."""
    if url.startswith("sqlite:///"):
        return url.removeprefix("sqlite:///")
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return url


def _create(url: str) -> Engine:
    if url.startswith("sqlite"):
        busy = get_settings().sqlite_busy_timeout_ms
        engine = sa.create_engine(
            url, connect_args={"timeout": busy / 1000, "check_same_thread": False}
        )

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: sqlite3.Connection, _record: object) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={busy}")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    if url.startswith("postgresql"):
        return sa.create_engine(url, pool_pre_ping=True)
    raise StorageError(f"unsupported database URL {url!r}: use sqlite:///FILE or postgresql://…")


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option(
        "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
    )
    return cfg


@contextlib.contextmanager
def _migration_lock(engine: Engine) -> Iterator[sa.Connection | None]:
    """Only one process migrates at a time: a file lock beside SQLite, an advisory lock on PostgreSQL."""
    if engine.dialect.name == "sqlite":
        db = engine.url.database
        if not db or db == ":memory:":
            yield None
            return
        with open(f"{db}.migrate-lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield None
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
    else:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT pg_advisory_lock(7316201)"))
            conn.commit()
            try:
                yield conn
            finally:
                conn.execute(sa.text("SELECT pg_advisory_unlock(7316201)"))
                conn.commit()


def _current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(engine: Engine) -> None:
    """Bring the schema to the latest migration (no-op when it is there already)."""
    cfg = alembic_config(engine)
    head = ScriptDirectory.from_config(cfg).get_current_head()
    if _current_revision(engine) == head:
        return
    with _migration_lock(engine):
        if _current_revision(engine) == head:
            return
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")


def notice_new_database(url: str, path: Path) -> None:
    """Say on stderr that a relative SQLite URL is about to create a new, empty file: run from another
    folder, `sqlite:///newsmon.db` is another database, and reading an empty one reports nothing."""
    print(
        f"newsmon: {url} is relative to the current folder: creating a new, empty database "
        f"{path.resolve()} (give an absolute path, sqlite:////…, to always use one file)",
        file=sys.stderr,
        flush=True,
    )


def get_engine(url: str | None = None, *, allow_memory: bool = False) -> Engine:
    """The engine for `url` (default: settings.database_url), migrated on first use in this process.

    An in-memory SQLite URL is refused (an import into it would report success and keep nothing)
    unless the caller passes `allow_memory=True`, as a test may.
    """
    url = normalize_url(url or get_settings().database_url)
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            if is_memory_url(url) and not allow_memory:
                raise StorageError(
                    f"the database URL {url!r} is an in-memory database: nothing would be kept; "
                    "name a file (NEWSMON_DATABASE_URL=sqlite:///newsmon.db) or a server "
                    "(postgresql://user@host/db)"
                )
            if url.startswith("sqlite:///") and not is_memory_url(url):
                path = Path(url.removeprefix("sqlite:///").split("?", 1)[0])
                if path.parent and not path.parent.exists():
                    raise StorageError(
                        f"folder {path.parent} for the SQLite database does not exist"
                    )
                if path.is_dir():
                    raise StorageError(f"{path} is a directory, not an SQLite database file")
                if not path.is_absolute() and not path.exists():
                    notice_new_database(url, path)
            engine = _create(url)
            try:
                migrate(engine)
            except sa.exc.DatabaseError as exc:
                engine.dispose()
                orig = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or ["?"])[0]
                where = _describe(url)
                if "file is not a database" in orig or "malformed" in orig:
                    raise StorageError(f"{where}: not an SQLite database ({orig})") from exc
                raise StorageError(f"cannot open the database {where}: {orig}") from exc
            _engines[url] = engine
        return engine


def dispose_engines() -> None:
    """Close every pooled connection (tests, forks)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def open_session(url: str | None = None, *, allow_memory: bool = False) -> Session:
    """A new session on the (migrated) database (`allow_memory`: see get_engine)."""
    return Session(get_engine(url, allow_memory=allow_memory), expire_on_commit=False)
