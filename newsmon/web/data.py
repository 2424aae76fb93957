"""What the pages and the API need beyond `newsmon.query`: a sorted page of facts, one fact or article by
id with its facts, and an article's text cut into plain and highlighted pieces (displaCy-style entities)."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from newsmon import query as q
from newsmon.errors import InputError, NotFoundError
from newsmon.output import FACT_EXPORT_COLUMNS, _csv_cell, fact_row
from newsmon.store.models import Article, Fact, Source

# sort keys of the facts explorer and /api/v1/facts: name → ORDER BY columns ("published" is the library's order)
SORTS: dict[str, tuple[Any, ...]] = {
    "published": (Fact.published, Fact.id),
    "-published": (sa.desc(Fact.published), sa.desc(Fact.id)),  # type: ignore[arg-type]
    "-confidence": (sa.desc(Fact.confidence), Fact.id),  # type: ignore[arg-type]
    "-value": (sa.desc(Fact.value), Fact.id),  # type: ignore[arg-type]
    "value": (Fact.value, Fact.id),
}
CSV_MAX_ROWS = (
    100_000  # one CSV download holds at most this many facts (`newsmon export` has no cap)
)


@dataclass
class FactPage:
    facts: list[dict[str, Any]]
    offset: int
    limit: int
    has_next: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "facts": self.facts,
            "offset": self.offset,
            "limit": self.limit,
            "next_offset": self.offset + self.limit if self.has_next else None,
        }


def fact_page(session: Session, flt: q.FactFilter, sort: str = "published") -> FactPage:
    """One page of facts (flt.limit, flt.offset) in `sort` order; one more row is read to know if a next page exists."""
    if sort not in SORTS:
        raise InputError(f"unknown sort {sort!r}: use one of {', '.join(SORTS)}")
    if flt.limit is None:
        raise InputError("a page needs a limit")
    probe = replace(flt, limit=flt.limit + 1)
    if sort == "published":
        rows = list(q.iter_facts(probe, session=session))
    else:
        probe.validate()
        conds = q.fact_conditions(session, probe)
        ids = (
            session.execute(
                sa.select(Fact.id)
                .where(*conds)
                .order_by(*SORTS[sort])
                .offset(probe.offset)
                .limit(probe.limit)
            )
            .scalars()
            .all()
        )
        rows = facts_by_ids(session, list(ids))
    return FactPage(rows[: flt.limit], flt.offset, flt.limit, len(rows) > flt.limit)


def facts_by_ids(session: Session, ids: Sequence[int]) -> list[dict[str, Any]]:
    """CONTRACT §2 dicts of the facts `ids`, in that order."""
    if not ids:
        return []
    rows = session.execute(q._rows_query([Fact.id.in_(list(ids))])).all()  # type: ignore[union-attr]
    by_id = {row._mapping["id"]: q._row_to_dict(row) for row in rows}
    return [by_id[i] for i in ids if i in by_id]


def get_fact(session: Session, fact_id: int) -> dict[str, Any]:
    found = facts_by_ids(session, [fact_id])
    if not found:
        raise NotFoundError(f"no fact with id {fact_id}")
    return found[0]


def article_facts(
    session: Session, article_ids: Sequence[int], limit: int = 500
) -> list[dict[str, Any]]:
    """The facts of these articles (CONTRACT §2), in article and text order."""
    if not article_ids:
        return []
    ids = (
        session.execute(
            sa.select(Fact.id)
            .where(Fact.article_id.in_(list(article_ids)))  # type: ignore[attr-defined]
            .order_by(Fact.article_id, Fact.start, Fact.id)
            .limit(limit)
        )
        .scalars()
        .all()
    )
    return facts_by_ids(session, list(ids))


def get_article(session: Session, article_id: int) -> dict[str, Any]:
    """One article as `iter_articles` writes it, or NotFoundError."""
    row = session.execute(
        sa.select(Article, Source.name)
        .join(Source, Article.source_id == Source.id)  # type: ignore[arg-type]
        .where(Article.id == article_id)
    ).first()
    if row is None:
        raise NotFoundError(f"no article with id {article_id}")
    art, source = row
    return {
        "id": art.id,
        "url": art.url,
        "title": art.title,
        "text": art.text,
        "summary": art.summary,
        "source": source,
        "published": q.iso_time(art.published),
        "fetched": q.iso_time(art.fetched),
        "lang": art.lang,
    }


def article_id_by_url(session: Session, url: str) -> int:
    """The id of the article stored under `url` (compared normalized), or NotFoundError."""
    from newsmon.ingest.urls import normalize_url

    try:
        norm = normalize_url(url)
    except Exception:  # noqa: BLE001 - any URL the normalizer rejects is not stored either
        raise NotFoundError(f"no article at {url!r}") from None
    found = session.execute(sa.select(Article.id).where(Article.url_norm == norm)).scalar()
    if found is None:
        raise NotFoundError(f"no article at {url!r}")
    return int(found)


def stored_text(article: dict[str, Any]) -> str:
    """The text fact offsets index (CONTRACT §2: title and body as stored)."""
    return f"{article['title']}\n{article['text']}" if article["text"] else article["title"]


@dataclass
class Piece:
    text: str
    label: str | None = None  # None: plain text
    fact: int | None = None


def highlight(text: str, facts: Sequence[dict[str, Any]]) -> list[Piece]:
    """`text` cut into plain pieces and entity pieces, one per fact mention (displaCy 'ent' style, manual spans).

    Overlapping mentions keep the earlier (then longer) one; spans outside the text are skipped.
    """
    spans: list[tuple[int, int, str, int]] = []
    for f in facts:
        for start, end in f.get("mentions") or [[f["start"], f["end"]]]:
            if 0 <= start < end <= len(text):
                spans.append((start, end, f["kind"], f["id"]))
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    pieces: list[Piece] = []
    pos = 0
    for start, end, kind, fid in spans:
        if start < pos:
            continue
        if start > pos:
            pieces.append(Piece(text[pos:start]))
        pieces.append(Piece(text[start:end], kind, fid))
        pos = end
    if pos < len(text):
        pieces.append(Piece(text[pos:]))
    return pieces


def csv_lines(facts: Iterator[dict[str, Any]]) -> Iterator[str]:
    """Facts as CSV text, header first, with the columns of `newsmon export facts --format csv`."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(list(FACT_EXPORT_COLUMNS))
    for chunk in iter(lambda: list(itertools.islice(facts, 500)), []):
        for rec in chunk:
            row = fact_row(rec)
            writer.writerow([_csv_cell(row.get(c), t) for c, t in FACT_EXPORT_COLUMNS.items()])
        yield buf.getvalue()
        buf.seek(0)
        buf.truncate()
    yield buf.getvalue()
