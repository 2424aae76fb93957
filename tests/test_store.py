"""Storage on SQLite and PostgreSQL: migrations, insert-once, de-duplication keys, UTC datetimes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select

from newsmon.ingest.articles import ArticleIn, clean_text, get_or_create_source, store_articles
from newsmon.store.db import get_engine, open_session
from newsmon.store.models import Article

T0 = datetime(2024, 4, 15, 5, 0, tzinfo=UTC)


def test_migrations_create_every_table(db_url: str) -> None:
    names = set(sa.inspect(get_engine(db_url)).get_table_names())
    assert {
        "source",
        "feed_state",
        "fetch_log",
        "article",
        "fact",
        "territory",
        "person",
        "programme",
        "alembic_version",
    } <= names


def test_sqlite_runs_in_wal_mode(sqlite_url: str) -> None:
    with get_engine(sqlite_url).connect() as conn:
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(sa.text("PRAGMA busy_timeout")).scalar() >= 1000


def _store(items: list[ArticleIn], source: str = "tengrinews.kz") -> tuple[int, int]:
    with open_session() as session:
        src = get_or_create_source(session, source, kind="import")
        res = store_articles(session, src, items, now=T0)
        session.commit()
    return res.new, res.duplicates


def test_each_article_once_by_url_guid_and_title(db_url: str) -> None:
    base = ArticleIn(
        url="https://tengrinews.kz/news/a-1/",
        title="Аким встретился с жителями",
        text="Аким Шемонаихинского района встретился с жителями.",
        guid="g1",
        published=T0,
    )
    assert _store([base]) == (1, 0)
    # same page with tracking parameters, another scheme, a fragment and no trailing slash
    again = ArticleIn(
        url="http://www.tengrinews.kz/news/a-1?utm_source=tg#top", title="Другой", text="x"
    )
    # same guid, new URL
    guid = ArticleIn(url="https://tengrinews.kz/news/a-2/", title="Ещё", text="y", guid="g1")
    # same title (other case and punctuation) three days later, same text
    title = ArticleIn(
        url="https://tengrinews.kz/news/a-3/",
        title="аким встретился с жителями!",
        text=base.text,
        published=T0 + timedelta(days=3),
    )
    assert _store([again, guid, title]) == (0, 3)
    # the same title from another source is another article
    assert _store(
        [ArticleIn(url="https://24.kz/a", title=base.title, text=base.text)], "24.kz"
    ) == (1, 0)


def test_recurring_headline_with_new_text_is_a_new_article(db_url: str) -> None:
    title = "Паводки в Казахстане: что известно к этому часу"
    day1 = ArticleIn(
        url="https://t.kz/1",
        title=title,
        text="Вода поднялась в Атырауской области. " * 20,
        published=T0,
    )
    day2 = ArticleIn(
        url="https://t.kz/2",
        title=title,
        text="В Костанае эвакуировали жителей сел. " * 20,
        published=T0 + timedelta(days=2),
    )
    assert _store([day1]) == (1, 0)
    assert _store([day2]) == (1, 0)


def test_same_title_after_the_window_is_new(db_url: str) -> None:
    a = ArticleIn(url="https://t.kz/a", title="Погода", text="Жарко", published=T0)
    b = ArticleIn(
        url="https://t.kz/b", title="Погода", text="Жарко", published=T0 + timedelta(days=8)
    )
    assert _store([a, b]) == (2, 0)


def test_text_is_cleaned_and_datetimes_come_back_utc(db_url: str) -> None:
    almaty = timezone(timedelta(hours=5))
    item = ArticleIn(
        url="https://t.kz/nul",
        title="Nul\x00 title",
        text="a\x00b\r\nc",
        published=datetime(2024, 4, 15, 10, 0, tzinfo=almaty),
    )
    _store([item])
    with open_session() as session:
        art = session.exec(select(Article)).one()
    assert art.title == "Nul title" and art.text == "ab\nc"
    assert art.published == datetime(2024, 4, 15, 5, 0, tzinfo=UTC)
    assert art.fetched is not None and art.fetched.tzinfo is not None
    assert art.lang == "en"


def test_clean_text_keeps_newlines_and_tabs() -> None:
    assert clean_text(" a\tb\n\x07c\x00 ") == "a\tb\nc"


def test_models_and_migrations_agree(db_url: str) -> None:
    """Autogenerate finds nothing to do: every table and index of the migrations is in the models."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import SQLModel

    from newsmon.store.migrations.env_filters import include_name

    with get_engine(db_url).connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"include_name": include_name, "compare_type": False}
        )
        assert compare_metadata(ctx, SQLModel.metadata) == []


# ---------------------------------------------------------------- issue 15 item 7: no silent failures
def test_relative_sqlite_url_says_it_creates_a_new_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from newsmon.cli import app
    from newsmon.settings import get_settings
    from newsmon.store.db import dispose_engines

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEWSMON_DATABASE_URL", "sqlite:///fresh.db")
    get_settings.cache_clear()
    dispose_engines()
    try:
        first = CliRunner().invoke(app, ["facts", "--format", "jsonl"])
        assert first.exit_code == 0, first.output
        assert "creating a new, empty database" in first.stderr
        assert str(tmp_path / "fresh.db") in first.stderr  # the absolute path
        assert (tmp_path / "fresh.db").is_file()
        dispose_engines()
        again = CliRunner().invoke(app, ["facts", "--format", "jsonl"])  # the file exists now
        assert again.exit_code == 0 and "new, empty database" not in again.stderr
    finally:
        dispose_engines()


def test_absolute_sqlite_url_creates_quietly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from newsmon.store.db import dispose_engines

    get_engine(f"sqlite:///{tmp_path / 'quiet.db'}")
    dispose_engines()
    assert "new, empty database" not in capsys.readouterr().err


def test_parquet_without_pyarrow_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from newsmon.errors import InputError
    from newsmon.output import export_records

    monkeypatch.setitem(sys.modules, "pyarrow", None)  # `import pyarrow` now fails
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(InputError, match=r"pip install 'newsmon\[parquet\]'"):
        export_records(iter([{"id": 1}]), "articles", "parquet", tmp_path / "a.parquet")
    assert not (tmp_path / "a.parquet").exists()
