"""The library API for reading stored facts and articles: the CLI calls it, the web UI and scripts import it.

Everything here returns plain dicts or dataclasses with `as_dict()`; filters are dataclasses whose
`validate()` raises InputError with a one-line message. Territory filters take a unit by name (either
language, any case form, abbreviations such as ВКО) or by KATO code, and include everything inside it:
KATO codes are hierarchical (AB CD EF HHH), so 636837000 lies inside 636800000 inside 630000000.

One module per concept, this package re-exporting their public names: `dates` (days and times),
`filters` (what every filter shares), `territories` (territory resolution), `facts`, `directories`
(akims, programmes), `articles` and `overview` (counts over a period). Nothing here imports `newsmon.search`, which builds on it.
"""

from __future__ import annotations

from newsmon.query.articles import (
    ARTICLE_KEYS,
    ArticleFilter,
    article_id_by_url,
    get_article,
    iter_articles,
    latest_published,
)
from newsmon.query.dates import ALMATY, as_utc, bind_time, day_start, iso_time, parse_day
from newsmon.query.directories import (
    AKIM_ROLES,
    ANNOUNCEMENT_WINDOW_DAYS,
    DEPUTY_ROLE,
    AkimEntry,
    ProgramSummary,
    akims_directory,
    dedupe_announcements,
    program_summaries,
)
from newsmon.query.entities import (
    PersonProfile,
    TerritoryProfile,
    fact_person_ids,
    kazakh_unit_names,
    person_ids_by_name,
    person_profile,
    territory_profile,
)
from newsmon.query.facts import (
    FACT_SORTS,
    FactFilter,
    article_facts,
    count_facts,
    evidence_spans,
    fact_conditions,
    fact_to_dict,
    facts_by_ids,
    iter_facts,
    list_facts,
    sentence_span,
    sorted_fact_ids,
)
from newsmon.query.filters import (
    FACT_KINDS,
    MONEY_UNITS,
    QUOTES,
    check_dates,
    check_lang,
    check_page,
    match_names,
    normalize_unit,
    plain_name,
    resolve_source,
)
from newsmon.query.overview import (
    NamedCount,
    UnitCounts,
    facts_by_kind,
    top_programs,
    top_territories,
    unit_counts,
)
from newsmon.query.territories import (
    LEVELS,
    Unit,
    kato_ranges,
    resolve_territory,
    suggest_territories,
    territory_clause,
)
from newsmon.text import LANGS

__all__ = [
    "AKIM_ROLES",
    "ALMATY",
    "ANNOUNCEMENT_WINDOW_DAYS",
    "ARTICLE_KEYS",
    "DEPUTY_ROLE",
    "FACT_KINDS",
    "FACT_SORTS",
    "LANGS",
    "LEVELS",
    "MONEY_UNITS",
    "QUOTES",
    "AkimEntry",
    "ArticleFilter",
    "FactFilter",
    "NamedCount",
    "PersonProfile",
    "ProgramSummary",
    "TerritoryProfile",
    "Unit",
    "UnitCounts",
    "_as_utc",
    "_row_to_dict",
    "_rows_query",
    "akims_directory",
    "article_facts",
    "article_id_by_url",
    "as_utc",
    "bind_time",
    "check_dates",
    "check_lang",
    "check_page",
    "count_facts",
    "day_start",
    "dedupe_announcements",
    "evidence_spans",
    "fact_conditions",
    "fact_person_ids",
    "fact_to_dict",
    "facts_by_ids",
    "facts_by_kind",
    "get_article",
    "iso_time",
    "iter_articles",
    "iter_facts",
    "kato_ranges",
    "kazakh_unit_names",
    "latest_published",
    "list_facts",
    "match_names",
    "normalize_unit",
    "parse_day",
    "person_ids_by_name",
    "person_profile",
    "plain_name",
    "program_summaries",
    "resolve_source",
    "resolve_territory",
    "sentence_span",
    "sorted_fact_ids",
    "suggest_territories",
    "territory_clause",
    "territory_profile",
    "top_programs",
    "top_territories",
    "unit_counts",
]
