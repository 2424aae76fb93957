"""Engine creation (SQLite in WAL mode, or PostgreSQL through psycopg 3) and automatic migrations."""

from __future__ import annotations

import contextlib
import fcntl
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


def _create(url: str) -> Engine:
    if url.startswith("sqlite"):
        busy = get_settings().sqlite_busy_timeout_ms
        engine = sa.create_engine(
            url, connect_args={"timeout": busy / 1000, "check_same_thread": False}
        )

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
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


def get_engine(url: str | None = None) -> Engine:
    """The engine for `url` (default: settings.database_url), migrated on first use in this process."""
    url = normalize_url(url or get_settings().database_url)
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            if url.startswith("sqlite:///"):
                path = Path(url.removeprefix("sqlite:///"))
                if path.parent and not path.parent.exists():
                    raise StorageError(
                        f"folder {path.parent} for the SQLite database does not exist"
                    )
            engine = _create(url)
            try:
                migrate(engine)
            except sa.exc.OperationalError as exc:
                raise StorageError(f"cannot open the database {engine.url!r}: {exc.orig}") from exc
            _engines[url] = engine
        return engine


def dispose_engines() -> None:
    """Close every pooled connection (tests, forks)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def open_session(url: str | None = None) -> Session:
    """A new session on the (migrated) database."""
    return Session(get_engine(url), expire_on_commit=False)
