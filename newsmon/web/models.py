"""The JSON API's response models: what /openapi.json documents and what every answer is validated
against. `Fact` is CONTRACT §2 key by key; the other models are the CLI's records as the API writes them.

The answers are the library's dicts, unchanged: the endpoints serialize with `exclude_unset`, so a key
is written exactly when the library wrote it (an akim fact has no `value` key, an amount fact's
`program` is null when it has none), and keys the library adds beyond the contract (`mentions`, a
fact's `extra`) pass through (`extra="allow"`). Numbers that may be whole are `int | float`, so 1500000000
stays 1500000000 and never becomes 1500000000.0; times are ISO 8601 strings, written as the library
wrote them.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Number = int | float
IsoTime = Annotated[
    str,
    Field(
        description="ISO 8601 with the Asia/Almaty offset",
        examples=["2024-11-20T10:00:00+05:00"],
        json_schema_extra={"format": "date-time"},
    ),
]
NextOffset = Annotated[
    int | None, Field(description="the offset of the next page; null when this is the last page")
]


class _Record(BaseModel):
    """A record as the library writes it: keys beyond the declared ones pass through."""

    model_config = ConfigDict(extra="allow")


# ---------------------------------------------------------------- facts (CONTRACT §2)
class Territory(_Record):
    """A unit of Kazakhstan's administrative division (CONTRACT §2)."""

    name: str = Field(
        description="Russian nominative, with its type word for regions, districts and rural "
        "districts («Восточно-Казахстанская область»), bare for cities and villages",
        examples=["Шемонаихинский район"],
    )
    level: str | None = Field(
        description="region, city, district, rural_district or settlement", examples=["district"]
    )
    kato: str | None = Field(description="the KATO code, or null", examples=["634800000"])
    path: list[str] = Field(
        description="the units above it and itself, from the region down",
        examples=[["Восточно-Казахстанская область", "Шемонаихинский район"]],
    )


class FactArticle(_Record):
    """The article a fact comes from."""

    url: str = Field(description="canonical article URL")
    title: str
    source: str = Field(description="outlet name or domain", examples=["24.kz"])
    published: IsoTime | None
    lang: str = Field(description="ru, kk or en")


class Fact(_Record):
    """One fact (CONTRACT §2): the common keys, then the keys of its kind.

    akim: person, role, territory · amount: value, unit, raw, program, territory · program: program ·
    territory: territory. A key of another kind is absent, not null.
    """

    id: int = Field(description="the fact's id (GET /api/v1/facts/{id})")
    kind: str = Field(description="akim, amount, program or territory", examples=["akim"])
    article: FactArticle = Field(description="the article the fact comes from")
    text: str = Field(description="the fact's words as they stand in the article")
    sentence: str = Field(description="the whole evidence sentence")
    start: int = Field(description="offset of `text` in the article's stored text (title, body)")
    end: int = Field(description="end offset of `text` in the article's stored text")
    confidence: float = Field(description="0..1")
    extractor: str = Field(
        description="the extractor and model versions", examples=["newsmon/0.3.0 ru-core/1.1"]
    )
    # akim
    person: str | None = Field(
        None, description="akim: full name, nominative, as the text gives it"
    )
    role: str | None = Field(
        None, description="akim: «аким» or «заместитель акима» («и.о. акима» may be added)"
    )
    # amount
    value: Number | None = Field(
        None, description="amount: the number in whole units («1,5 млрд тенге» → 1500000000)"
    )
    unit: str | None = Field(
        None, description="amount: KZT, USD, RUB, EUR for money; %, ha, km, people … for others"
    )
    raw: str | None = Field(None, description="amount: the surface text")
    program: str | None = Field(
        None,
        description="program: the canonical name (nominative, no quotes); amount: the "
        "programme it belongs to, or null",
    )
    # akim, amount, territory
    territory: Territory | None = Field(
        None, description="akim, amount: the unit or null; territory: the unit"
    )
    mentions: list[list[int]] | None = Field(
        None, description="[start, end] of every mention of the fact in the article"
    )


class FactPage(BaseModel):
    """A page of facts."""

    facts: list[Fact]
    offset: int
    limit: int
    next_offset: NextOffset


# ---------------------------------------------------------------- articles and search
class Article(_Record):
    """A stored article, as `newsmon export articles` writes it."""

    id: int
    url: str
    title: str
    text: str
    summary: str | None
    source: str
    published: IsoTime | None
    fetched: IsoTime | None
    lang: str


class ArticlePage(BaseModel):
    articles: list[Article]
    offset: int
    limit: int
    next_offset: NextOffset


class ArticleWithFacts(BaseModel):
    article: Article
    facts: list[Fact]


class SearchHit(_Record):
    """A found article with a snippet; matched words in [brackets]."""

    id: int
    url: str
    title: str
    source: str
    published: IsoTime | None
    lang: str
    score: float
    snippet: str
    highlights: list[list[int]] = Field(description="[start, end] of matched words in `snippet`")


class SearchPage(BaseModel):
    hits: list[SearchHit]
    offset: int
    limit: int
    next_offset: NextOffset


# ---------------------------------------------------------------- directories
class AkimEvidence(_Record):
    """The latest fact behind a directory entry."""

    sentence: str | None = None
    url: str | None = None
    title: str | None = None
    published: IsoTime | None = None
    fact: int | None = Field(None, description="the fact's id")


class AkimEntry(_Record):
    """One person seen as akim of one unit (`newsmon akims`)."""

    territory: Territory | None
    person: str
    role: str
    first_seen: IsoTime | None
    last_seen: IsoTime | None
    articles: int
    facts: int
    evidence: AkimEvidence
    previous: str | None = Field(None, description="the person seen before in this unit")
    current: bool | None = Field(
        None, description="the latest person seen in this unit (null: the unit is unknown)"
    )
    names: list[str] = Field(
        default_factory=list, description="every spelling merged into `person`"
    )
    person_id: int | None = Field(
        None, description="the person's id (GET /api/v1/persons/{id}); null: not linked"
    )
    person_kk: str | None = Field(None, description="the name with Kazakh letters, when seen")
    acting: bool = Field(False, description="acting (и.о., міндетін атқарушы), not permanent")
    since: IsoTime | None = Field(None, description="the start: the appointment, else first seen")
    until: IsoTime | None = Field(
        None, description="the end: the dismissal or the successor's start; null: open"
    )
    appointed: IsoTime | None = Field(None, description="when an article reported the appointment")
    dismissed: IsoTime | None = Field(None, description="when an article reported the dismissal")
    appointment: AkimEvidence | None = Field(
        None, description="the evidence of the appointment (or dismissal)"
    )


class AkimList(BaseModel):
    akims: list[AkimEntry]


class UnitRef(_Record):
    """A territorial unit named in a programme's totals."""

    name: str
    level: str | None
    kato: str | None


class ProgramUnit(_Record):
    """Money (or another measure) of one programme in one unit, counted once per announcement."""

    territory: UnitRef | None
    unit: str | None
    total: Number
    announcements: int
    reports: int


class ProgramSummary(_Record):
    """One programme (`newsmon programs`)."""

    program: str
    mentions: int
    articles: int
    first_seen: IsoTime | None
    last_seen: IsoTime | None
    units: list[ProgramUnit]
    totals: dict[str, Number] = Field(description="measure unit → total over all units")
    window_days: int = Field(description="reports of one value within this many days are one")


class ProgramList(BaseModel):
    programs: list[ProgramSummary]


# ---------------------------------------------------------------- entity pages
class PersonProfile(BaseModel):
    """One person (`/persons/{id}`): names, every post held (one row per unit and period, current
    first), and the facts about them, newest first."""

    id: int = Field(description="the person's id", examples=[3])
    name: str = Field(description="the canonical name, Russian letters", examples=["Асет Жумабаев"])
    name_kk: str | None = Field(
        description="the name with Kazakh letters, when the texts give one",
        examples=["Асет Жұмабаев"],
    )
    aliases: list[str] = Field(description="every spelling seen")
    posts: list[AkimEntry] = Field(description="posts held with their dates, current first")
    facts: list[Fact] = Field(description="the newest facts about the person (at most 50)")
    facts_total: int = Field(description="how many facts there are about the person in all")


class TerritoryChild(_Record):
    """A unit directly inside another."""

    kato: str = Field(examples=["636837000"])
    name: str = Field(examples=["Волчанский сельский округ"])
    name_kk: str | None = Field(examples=["Волчанка ауылдық округі"])
    level: str | None = Field(examples=["rural_district"])


class TerritoryProfile(BaseModel):
    """One unit (`/territories/{kato}`): its names, who heads it now and who did before, the units
    inside it, the programmes and money its articles mention, and its latest facts."""

    kato: str = Field(examples=["636800000"])
    name: str = Field(description="Russian name", examples=["Шемонаихинский район"])
    name_kk: str | None = Field(description="Kazakh name", examples=["Шемонаиха ауданы"])
    level: str | None = Field(description="region, city, district, rural_district or settlement")
    path: list[str] = Field(description="the units above it and itself, from the region down")
    aliases: list[str]
    akims: list[AkimEntry] = Field(description="heads (and deputies) of this unit, current first")
    children: list[TerritoryChild] = Field(description="the units directly inside it")
    programmes: list[ProgramSummary] = Field(
        description="programmes mentioned in it and the units inside it, with their money"
    )
    facts: list[Fact] = Field(description="its latest facts, newest first (at most 50)")


# ---------------------------------------------------------------- digest
class DigestLink(_Record):
    url: str
    title: str
    source: str
    lang: str
    time: str = Field(description="HH:MM, Asia/Almaty")


class DigestEvidence(_Record):
    sentence: str
    text: str
    lang: str
    url: str = ""


class DigestItem(_Record):
    label: str
    detail: str = ""
    badges: list[str] = Field(default_factory=list)
    evidence: list[DigestEvidence] = Field(default_factory=list)
    links: list[DigestLink] = Field(default_factory=list)
    status: str = Field("", description="akims: new, changed or known")
    previous: str = ""
    total: str = ""


class DigestAmountGroup(_Record):
    program: str | None
    region: str | None
    totals: list[str]
    items: list[DigestItem]
    sort_value: Number = 0.0


class DigestSignals(_Record):
    """What a story's significance score is computed from (newsmon.digest.significance)."""

    outlets: int
    akim_changes: int = Field(description="akims new in the news or replacing someone")
    akims: int = Field(description="its other akim facts")
    programs: int
    watch_hits: int = Field(description="distinct watchlist entities named")
    money: Number = Field(description="the largest money amount, in tenge at ranking rates")
    territories: int = Field(description="distinct top-level units named")


class DigestStory(_Record):
    title: str
    outlets: list[str]
    langs: list[str]
    links: list[DigestLink]
    facts: list[DigestItem]
    lead: DigestEvidence | None
    score: Number = Field(0, description="significance; stories come largest first")
    signals: DigestSignals | None = None


class DigestOutlet(_Record):
    source: str
    articles: int
    facts: int
    langs: list[str]
    links: list[DigestLink]


class Digest(_Record):
    """The day's digest as data (`newsmon digest`)."""

    day: date
    lang: str
    region: str | None
    generated: IsoTime
    articles: int = 0
    outlet_count: int = 0
    fact_count: int = 0
    stories: list[DigestStory] = Field(
        default_factory=list, description="the most significant stories, in full"
    )
    brief: list[DigestStory] = Field(
        default_factory=list, description="the next stories, shown as one-line links"
    )
    more_stories: int = Field(0, description="stories of the day beyond both lists")
    region_counts: dict[str, int] = Field(
        default_factory=dict, description="KATO code of a top-level unit → articles naming it"
    )
    akims: list[DigestItem] = Field(default_factory=list)
    amounts: list[DigestAmountGroup] = Field(default_factory=list)
    programs: list[DigestItem] = Field(default_factory=list)
    watch: dict[str, list[DigestItem]] = Field(
        default_factory=dict, description="watchlist kind → items"
    )
    watchlist_used: bool = False
    outlets: list[DigestOutlet] = Field(default_factory=list)


# ---------------------------------------------------------------- coverage
class CoverageRow(_Record):
    bucket: str = Field(description="a day, a source or a region, after `by`")
    entity: str
    kind: str
    mentions: int
    articles: int
    share: Number = Field(description="of all watchlist mentions in the bucket, 0..1")
    bucket_articles: int = Field(description="articles published in the bucket")


class Coverage(BaseModel):
    """Mentions and share of voice of the watchlist's entities (`newsmon coverage`)."""

    since: date
    until: date
    by: str
    entity: str | None
    articles: int
    rows: list[CoverageRow]


# ---------------------------------------------------------------- overview (the home page)
class OverviewCount(_Record):
    """A territory or programme with the facts and distinct articles that name it in the period."""

    name: str
    facts: int
    articles: int
    kato: str | None = None
    level: str | None = None


class OverviewRegion(_Record):
    """One of the 20 top-level units (17 regions, 3 cities of republican significance)."""

    kato: str = Field(examples=["630000000"])
    name: str = Field(
        description="in the interface language", examples=["Восточно-Казахстанская область"]
    )
    label: str = Field(description="the map tile's short label", examples=["ВКО"])
    facts: int
    articles: int = Field(
        description="distinct articles naming a territory inside it (the map's colour)"
    )
    fill: str = Field(description="the map tile's colour", examples=["#08519c"])


class OverviewWatch(_Record):
    """A watchlist entity named in the period (as `newsmon coverage` counts it)."""

    name: str
    kind: str = Field(description="person, party, program or territory")
    mentions: int
    articles: int


class Overview(_Record):
    """The home page as data: one period's new facts, akims, watchlist hits, regions, territories,
    programmes and largest amounts."""

    period: str = Field(description="today, 7d, 30d or custom")
    since: date
    until: date
    anchor_is_today: bool = Field(
        description="false when the period ends on the newest article's day, not today"
    )
    facts_by_kind: dict[str, int]
    akims: list[DigestItem] = Field(
        description="akims new in the news in the period (status new) or replacing the holder "
        "named before (status changed, previous)"
    )
    regions: list[OverviewRegion] = Field(description="all 20 units, most articles first")
    territories: list[OverviewCount]
    programs: list[OverviewCount]
    amounts: list[Fact] = Field(description="the largest money amounts, per currency")
    watch: list[OverviewWatch] | None = Field(description="null when there is no watchlist")


# ---------------------------------------------------------------- errors
class ErrorDetail(BaseModel):
    parameter: str = Field(description="the query or path parameter at fault")
    message: str


class ApiError(BaseModel):
    """Every 4xx and 5xx answer of /api/v1: a one-line message, the status again, and for a bad
    parameter one entry per problem."""

    error: str = Field(examples=["no territory matches 'Атлантида'"])
    status: int = Field(examples=[404])
    detail: list[ErrorDetail] | None = Field(
        default=None, description="bad parameters, one entry each (422 only)"
    )
