"""The full-text search index (table `article_search`): each article's words as the search compares them.

The article writer indexes what it stores (`index_articles`); `ensure_indexed` catches up what
another writer stored. The words are reduced by `newsmon.text.normalize_text` (Russian lemmas,
Kazakh stems); the search itself (query language, ranking, snippets) is `newsmon/search.py`.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session

from newsmon.text import normalize_text

__all__ = ["ensure_indexed", "index_articles", "reindex_all", "sync_index", "unindexed_ids"]


def index_articles(session: Session, ids: Sequence[int]) -> int:
    """(Re)index the articles `ids` in the search index; the caller commits. Returns how many."""
    ids = list(ids)
    if not ids:
        return 0
    done = 0
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        rows = session.execute(
            sa.text(
                "SELECT id, source_id, published, lang, title, text FROM article WHERE id IN :ids"
            ).bindparams(sa.bindparam("ids", expanding=True)),
            {"ids": chunk},
        ).all()
        values = [
            {
                "id": aid,
                "source_id": source_id,
                "published": published,
                "lang": lang,
                "title": normalize_text(title, lang),
                "body": normalize_text(text, lang),
            }
            for aid, source_id, published, lang, title, text in rows
        ]
        if not values:
            continue
        session.execute(
            sa.text("DELETE FROM article_search WHERE article_id IN :ids").bindparams(
                sa.bindparam("ids", expanding=True)
            ),
            {"ids": [v["id"] for v in values]},
        )
        session.execute(
            sa.text(
                "INSERT INTO article_search (article_id, source_id, published, lang, title, body) "
                "VALUES (:id, :source_id, :published, :lang, :title, :body)"
            ),
            values,
        )
        done += len(values)
    return done


_checked: set[str] = set()  # databases whose index was compared with all articles in this process


def unindexed_ids(session: Session, *, full: bool = True) -> list[int]:
    """Articles missing from the search index (stored before it existed, or by another writer).

    `full=False` looks only past the newest indexed article (O(log n)); the full comparison counts rows.
    """
    newest = session.execute(
        sa.text("SELECT coalesce(max(article_id), 0) FROM article_search")
    ).scalar_one()
    if not full:
        rows = session.execute(
            sa.text("SELECT id FROM article WHERE id > :n ORDER BY id"), {"n": newest}
        ).all()
        return [r[0] for r in rows]
    total = session.execute(sa.text("SELECT count(*) FROM article")).scalar_one()
    indexed = session.execute(sa.text("SELECT count(*) FROM article_search")).scalar_one()
    if total == indexed:
        return []
    rows = session.execute(
        sa.text(
            "SELECT a.id FROM article a LEFT JOIN article_search s ON s.article_id = a.id "
            "WHERE s.article_id IS NULL ORDER BY a.id"
        )
    ).all()
    return [r[0] for r in rows]


def ensure_indexed(session: Session) -> int:
    """Index what the article writer's hook missed: every article once per process, then the newest."""
    key = str(session.get_bind().engine.url)
    full = key not in _checked
    missing = unindexed_ids(session, full=full)
    n = 0
    if missing:
        n = sync_index(session) if full else index_articles(session, missing)
        session.commit()
    _checked.add(key)
    return n


def sync_index(session: Session) -> int:
    """Index every article not in the index yet and drop entries of deleted articles; commits."""
    session.execute(
        sa.text("DELETE FROM article_search WHERE article_id NOT IN (SELECT id FROM article)")
    )
    n = index_articles(session, unindexed_ids(session))
    session.commit()
    return n


def reindex_all(session: Session) -> int:
    """Rebuild the whole index (after a change of the normalization); commits."""
    session.execute(sa.text("DELETE FROM article_search"))
    ids = [r[0] for r in session.execute(sa.text("SELECT id FROM article ORDER BY id")).all()]
    n = index_articles(session, ids)
    session.commit()
    return n
