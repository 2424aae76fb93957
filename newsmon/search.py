"""Full-text search over articles: SQLite FTS5 or PostgreSQL text search behind one interface.

Inflected forms find each other because the index holds, beside each article, its words reduced to
one form: pymorphy3 lemmas for Russian (акимов → аким), a suffix stemmer for Kazakh
(ауданының → аудан). A query goes through the same reduction, so the backends only ever compare
normalized words. Users' query text never reaches SQL or the FTS syntax: it is parsed here into
words, phrases, OR, negation and prefixes, and rebuilt from word characters only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from newsmon.errors import InputError
from newsmon.query.dates import as_utc, bind_time, day_start, iso_time
from newsmon.query.filters import resolve_source  # the filters are shared with the fact queries
from newsmon.query.territories import articles_in_sql, resolve_territory
from newsmon.store.db import open_session
from newsmon.store.search_index import ensure_indexed
from newsmon.text import (
    LANGS,
    WORD,
    fold,
    kk_stem,
    normalize_word,
    ru_lemma,
    word_forms,
)

SNIPPET_WORDS = 30
MAX_QUERY_TERMS = 32
RANK_WINDOW = 2000  # when more articles match, the newest this many are ranked (bm25 / ts_rank_cd)


# ---------------------------------------------------------------- backends
def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


# ---------------------------------------------------------------- query language
@dataclass(frozen=True)
class Term:
    """One query word or quoted phrase; `forms` are its normalized alternatives, each a word sequence."""

    words: tuple[str, ...]
    forms: tuple[tuple[str, ...], ...]
    prefix: bool = False
    negated: bool = False


@dataclass
class ParsedQuery:
    """Terms to AND together; `any_of` groups are ORed (a OR b)."""

    groups: list[list[Term]] = field(default_factory=list)  # AND of (OR of terms)

    def positive_forms(self) -> set[str]:
        return {
            w for g in self.groups for t in g if not t.negated for form in t.forms for w in form
        }

    def surface_words(self) -> set[str]:
        return {
            fold(w, kazakh=False) for g in self.groups for t in g if not t.negated for w in t.words
        }


_TOKEN = re.compile(r'(-?)"([^"]*)"|(\S+)')
_OR = {"OR", "ИЛИ", "НЕМЕСЕ", "|"}
_AND = {"AND", "И", "ЖӘНЕ", "&"}
_NOT = {"NOT", "НЕ", "ЕМЕС"}


def _term(text: str, negated: bool, phrase: bool) -> Term | None:
    words = tuple(WORD.findall(text))
    if not words:
        return None
    prefix = not phrase and text.rstrip().endswith("*") and len(words) == 1
    if prefix:
        forms: tuple[tuple[str, ...], ...] = ((fold(words[0], kazakh=False),),)
    elif len(words) == 1:
        forms = tuple((f,) for f in word_forms(words[0]))
    else:  # a phrase: all Russian lemmas, or all Kazakh stems
        forms = tuple(
            dict.fromkeys((tuple(ru_lemma(w) for w in words), tuple(kk_stem(w) for w in words)))
        )
    return Term(words=words, forms=forms, prefix=prefix, negated=negated)


def parse_query(text: str) -> ParsedQuery:
    """Words are ANDed; "quoted phrases"; OR between terms; -word excludes; word* matches a prefix.

    Anything else (brackets, operators of SQL or FTS, punctuation) only separates words.
    """
    if text.count('"') % 2:
        raise InputError('unbalanced quote in the search query: close it, or drop the "')
    groups: list[list[Term]] = []
    pending_or = pending_not = False
    for m in _TOKEN.finditer(text):
        neg_phrase, phrase, bare = m.groups()
        if (
            bare is not None and bare in _OR | _AND | _NOT
        ):  # operators in capitals; «и», «не» are words
            pending_or, pending_not = bare in _OR and bool(groups), bare in _NOT
            continue
        if phrase is not None:
            term = _term(phrase, bool(neg_phrase) or pending_not, phrase=True)
        else:
            negated = (bare.startswith("-") and len(bare) > 1) or pending_not
            term = _term(bare[1:] if bare.startswith("-") else bare, negated, phrase=False)
        pending_not = False
        if term is None:
            continue
        if pending_or and not term.negated and not any(t.negated for t in groups[-1]):
            groups[-1].append(term)
        else:
            groups.append([term])
        pending_or = False
    if sum(len(g) for g in groups) > MAX_QUERY_TERMS:
        raise InputError(f"the search query has more than {MAX_QUERY_TERMS} terms: shorten it")
    if not any(not t.negated for g in groups for t in g):
        raise InputError(
            "the search query has no word to look for (only punctuation or excluded words)"
        )
    return ParsedQuery(groups)


def _fts5(q: ParsedQuery) -> str:
    def term(t: Term) -> str:
        alts = [('"' + " ".join(form) + '"' + ("*" if t.prefix else "")) for form in t.forms]
        return alts[0] if len(alts) == 1 else "(" + " OR ".join(alts) + ")"

    pos = [g for g in q.groups if not g[0].negated]
    neg = [g[0] for g in q.groups if g[0].negated]
    expr = " AND ".join("(" + " OR ".join(term(t) for t in g) + ")" for g in pos)
    for t in neg:
        expr = f"({expr}) NOT {term(t)}"
    return expr


def _tsquery(q: ParsedQuery) -> str:
    def term(t: Term) -> str:
        alts = []
        for form in t.forms:
            parts = [f"'{w}'" for w in form]
            if t.prefix:
                parts[-1] += ":*"
            alts.append(" <-> ".join(parts))
        inner = " | ".join(f"({a})" for a in alts)
        return f"!({inner})" if t.negated else f"({inner})"

    return " & ".join("(" + " | ".join(term(t) for t in g) + ")" for g in q.groups)


# ---------------------------------------------------------------- search
@dataclass
class SearchQuery:
    """What `newsmon search` can ask for; dates are days in Asia/Almaty, both ends included."""

    text: str
    source: str | None = None
    lang: str | None = None
    since: date | None = None
    until: date | None = None
    territory: str | None = None
    limit: int = 20
    offset: int = 0


@dataclass
class SearchHit:
    """One found article: its place in the ranking and a snippet with the matched words marked."""

    id: int
    url: str
    title: str
    source: str
    published: str | None
    lang: str
    score: float
    snippet: str
    highlights: list[tuple[int, int]]  # offsets of matched words in `snippet`

    def marked(self, open_mark: str = "[", close_mark: str = "]") -> str:
        out, last = [], 0
        for start, end in self.highlights:
            out += [self.snippet[last:start], open_mark, self.snippet[start:end], close_mark]
            last = end
        out.append(self.snippet[last:])
        return "".join(out)

    def as_dict(self, open_mark: str = "[", close_mark: str = "]") -> dict[str, Any]:
        out = asdict(self)
        out["highlights"] = [list(h) for h in self.highlights]
        out["snippet"] = self.marked(open_mark, close_mark)
        return out


def search(
    query: SearchQuery, *, database_url: str | None = None, session: Session | None = None
) -> list[SearchHit]:
    """Articles matching `query`, best first, each with a highlighted snippet."""

    parsed = parse_query(query.text)
    if query.limit < 0 or query.offset < 0:
        raise InputError("--limit and --offset must not be negative")
    if query.lang is not None and query.lang not in LANGS:
        raise InputError(f"unknown language {query.lang!r}: use one of {', '.join(LANGS)}")
    if query.since and query.until and query.since > query.until:
        raise InputError(f"--since {query.since} is after --until {query.until}")
    own = session is None
    session = session or open_session(database_url)
    try:
        ensure_indexed(session)
        dialect = _dialect(session)
        params: dict[str, Any] = {"window": RANK_WINDOW}
        where: list[str] = []
        if dialect == "postgresql":
            params["q"] = _tsquery(parsed)
            source = "FROM article_search s, to_tsquery('simple', :q) tq WHERE s.tsv @@ tq"
            score, rowid = "ts_rank_cd(s.tsv, tq)", "s.article_id"
        else:
            params["q"] = _fts5(parsed)
            source = (
                "FROM article_fts JOIN article_search s ON s.article_id = article_fts.rowid "
                "WHERE article_fts MATCH :q"
            )
            score, rowid = "-bm25(article_fts, 3.0, 1.0)", "article_fts.rowid"
        if query.source:
            params["source_id"] = resolve_source(session, query.source)
            where.append("s.source_id = :source_id")
        if query.lang:
            params["lang"] = query.lang
            where.append("s.lang = :lang")
        if query.since:
            params["since"] = bind_time(session, day_start(query.since))
            where.append("s.published >= :since")
        if query.until:
            params["until"] = bind_time(session, day_start(query.until + timedelta(days=1)))
            where.append("s.published < :until")
        if query.territory:
            # each article's territories (article_territory, kept by extract): no probe per match
            units = resolve_territory(session, query.territory)
            where.append(articles_in_sql(units, params, "s.article_id"))
        filters = "".join(f" AND {w}" for w in where)
        # ranking is the costly part: of many matches only the newest RANK_WINDOW are ranked, in one
        # pass newest first (the score is computed only for rows that pass the filters)
        sql = (
            f"SELECT {rowid}, {score} AS score, s.published {source}{filters} "
            f"ORDER BY {rowid} DESC LIMIT :window"
        )
        try:
            rows = list(session.execute(sa.text(sql), params).all())
        except (
            sa.exc.DatabaseError
        ) as exc:  # the rebuilt query is well-formed; report anything else plainly
            session.rollback()
            raise InputError(
                f"the search query could not be run: {getattr(exc, 'orig', exc)}".splitlines()[0]
            ) from exc
        rows.sort(key=lambda r: (-round(float(r[1]), 9), _neg_time(r[2]), -r[0]))
        ranked = [(r[0], r[1]) for r in rows[query.offset : query.offset + query.limit]]
        return _hits(session, ranked, parsed)
    finally:
        if own:
            session.close()


def _neg_time(value: Any) -> float:
    """A sort key putting later times first (strings on SQLite, datetimes on PostgreSQL)."""
    when = as_utc(value)
    return -when.timestamp() if when else 0.0


def _hits(session: Session, ranked: Sequence[Any], parsed: ParsedQuery) -> list[SearchHit]:
    if not ranked:
        return []
    rows = session.execute(
        sa.text(
            "SELECT a.id, a.url, a.title, a.text, a.published, a.lang, s.name FROM article a "
            "JOIN source s ON s.id = a.source_id WHERE a.id IN :ids"
        ).bindparams(sa.bindparam("ids", expanding=True)),
        {"ids": [r[0] for r in ranked]},
    ).all()
    by_id = {r[0]: r for r in rows}
    forms = parsed.positive_forms()
    prefixes = {
        fold(w, kazakh=False)
        for g in parsed.groups
        for t in g
        if t.prefix and not t.negated
        for w in t.words
    }
    hits = []
    for aid, score in ranked:
        _, url, title, text, published, lang, source = by_id[aid]
        snippet, marks = make_snippet(f"{title}\n{text}", forms, prefixes, lang)
        hits.append(
            SearchHit(
                id=aid,
                url=url,
                title=title,
                source=source,
                published=iso_time(as_utc(published)),
                lang=lang,
                score=float(f"{float(score):.4g}"),
                snippet=snippet,
                highlights=marks,
            )
        )
    return hits


def make_snippet(
    text: str,
    forms: set[str],
    prefixes: Iterable[str] = (),
    lang: str | None = None,
    words: int = SNIPPET_WORDS,
) -> tuple[str, list[tuple[int, int]]]:
    """The window of `words` words of `text` with the most matched words, and their offsets in it."""
    prefixes = tuple(prefixes)
    heads = {f[:2] for f in forms}
    tokens = list(WORD.finditer(text))
    matched: list[int] = []
    for i, m in enumerate(tokens):
        w = fold(m.group(), kazakh=False)
        if prefixes and w.startswith(prefixes):
            matched.append(i)
        elif w[:2] in heads and (
            w in forms
            or normalize_word(w, lang) in forms
            or ru_lemma(w) in forms
            or kk_stem(w) in forms
        ):
            matched.append(
                i
            )  # a word shares its first letters with its lemma: the rest need no analysis
    if not tokens:
        return "", []
    best_start, best_count = 0, -1
    j = 0
    for i in range(len(matched)):
        while matched[i] - matched[j] >= words:
            j += 1
        if i - j + 1 > best_count:
            best_count, best_start = i - j + 1, matched[j]
    first = max(0, min(best_start - 5, len(tokens) - words)) if matched else 0
    last = min(len(tokens), first + words) - 1
    start_char, end_char = tokens[first].start(), tokens[last].end()
    body = text[start_char:end_char]
    lead = "…" if first > 0 else ""
    tail = "…" if last < len(tokens) - 1 else ""
    snippet = lead + " ".join(body.split()) + tail
    # offsets after whitespace collapsing: recompute by scanning the snippet's words
    marks: list[tuple[int, int]] = []
    wanted = {tokens[i].start() - start_char for i in matched if first <= i <= last}
    pos_map = _collapsed_positions(body)
    for off in sorted(wanted):
        word = WORD.match(body, off)
        if word:
            s = pos_map[off] + len(lead)
            marks.append((s, s + len(word.group())))
    return snippet, marks


def _collapsed_positions(body: str) -> list[int]:
    """For each offset of `body`, its offset in `" ".join(body.split())`."""
    out, pos, in_space = [], 0, False
    for ch in body:
        if ch.isspace():
            out.append(pos)
            if not in_space:
                in_space = True
        else:
            if in_space:
                pos += 1
                in_space = False
            out.append(pos)
            pos += 1
    out.append(pos)
    return out
