"""Shared fixtures: a fresh database per test on SQLite and (when it answers) on PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from newsmon.settings import get_settings
from newsmon.store.db import dispose_engines

PG_URL = os.environ.get("NEWSMON_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SHARED = Path(__file__).resolve().parents[2] / "shared"
DATA = SHARED / "data"
_pg_ok: bool | None = None


def pg_available() -> bool:
    global _pg_ok
    if _pg_ok is None:
        try:
            engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            engine.dispose()
            _pg_ok = True
        except Exception:  # noqa: BLE001 - any failure means: no server to test against
            _pg_ok = False
    return _pg_ok


@contextlib.contextmanager
def pg_schema(prefix: str) -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a new schema named `prefix`…, dropped afterwards; the
    test is skipped when no server answers."""
    if not pg_available():
        pytest.skip(f"no PostgreSQL server answers at {PG_URL}")
    schema = prefix + uuid.uuid4().hex[:12]
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        dispose_engines()
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@contextlib.contextmanager
def filled_database(
    backend: str, tmp_path_factory: pytest.TempPathFactory, name: str, fill: Callable[[str], None]
) -> Iterator[str]:
    """A database on `backend` (sqlite or postgres) filled by `fill(url)`, for a module's tests."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp(name) / f'{name}.db'}"
        fill(url)
        try:
            yield url
        finally:
            dispose_engines()
        return
    with pg_schema(f"{name}_") as url:
        fill(url)
        yield url


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a schema of this test's own (dropped afterwards)."""
    with pg_schema("t_") as url:
        yield url


def _use_database(monkeypatch: pytest.MonkeyPatch, url: str) -> str:
    monkeypatch.setenv("NEWSMON_DATABASE_URL", url)
    get_settings.cache_clear()
    dispose_engines()
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """The test's database, once on SQLite and once on PostgreSQL; NEWSMON_DATABASE_URL points at it."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'newsmon.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    yield _use_database(monkeypatch, url)
    dispose_engines()


@pytest.fixture
def sqlite_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh SQLite database only (for tests of SQLite-specific behaviour)."""
    yield _use_database(monkeypatch, f"sqlite:///{tmp_path / 'newsmon.db'}")
    dispose_engines()


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No test reads the developer's environment or writes newsmon.db into the working folder."""
    for key in list(os.environ):
        if key.startswith("NEWSMON_") and key != "NEWSMON_TEST_PG_URL":
            monkeypatch.delenv(key)
    monkeypatch.setenv("NEWSMON_DATABASE_URL", f"sqlite:///{tmp_path / 'default.db'}")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def need_data(*parts: str) -> Path:
    """A path under ../shared/data, or skip when this checkout has no shared data beside it."""
    path = DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not here")
    return path
