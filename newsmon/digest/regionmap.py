"""A map of Kazakhstan's 20 top-level units as a tile grid (a cartogram), coloured by a count per unit.

Why tiles and not boundaries: newsmon runs offline, and no boundary file with a clear licence and the
2022 division (Абай, Жетісу, Ұлытау) was found in the package registries it may use (checked in
December 2026: npm's @amcharts/amcharts5-geodata has `kazakhstan2023` under a linkware licence that
requires the amCharts logo on every map; @highcharts/map-collection has `kz-all-2022` but requires a
Highcharts Maps licence; Natural Earth's world-atlas has countries only). So every unit is one equal
square placed by hand at its approximate geographic position (column ≈ longitude band, row ≈ latitude
band, north up). Area therefore says nothing; colour carries the count. The 2022 regions sit
where they were carved out: Абай (KATO 10, from East Kazakhstan) west of East Kazakhstan, Жетісу
(KATO 33, from Almaty region) north-east of Almaty region and south of Абай, Ұлытау (KATO 62, from
Karaganda region) west of Karaganda region. The three cities of republican significance (Астана,
Алматы, Шымкент) are tiles of their own beside the region that surrounds them.

The same layout is drawn as inline SVG (the web pages: `svg_cells`) and as a PNG (the digest:
`render_png`, matplotlib). A unit is found by the first two digits of a fact's KATO code (each of the
20 units has its own pair).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass

from newsmon.kato import kato_prefix


@dataclass(frozen=True)
class Unit:
    """One of the 20 top-level units: KATO code, names, tile label and tile position."""

    kato: str
    name: str  # Russian nominative as facts carry it (CONTRACT §2)
    name_kk: str
    short_ru: str
    short_kk: str
    col: int
    row: int

    @property
    def prefix(self) -> str:
        return kato_prefix(self.kato)

    def label(self, lang: str) -> str:
        return self.short_kk if lang == "kk" else self.short_ru

    def title(self, lang: str) -> str:
        return self.name_kk if lang == "kk" else self.name


# column ≈ longitude band (0: 50° E … 6: 83° E), row ≈ latitude band (0: 54° N … 4: 42° N)
UNITS: tuple[Unit, ...] = (
    Unit(
        "590000000",
        "Северо-Казахстанская область",
        "Солтүстік Қазақстан облысы",
        "СКО",
        "СҚО",
        3,
        0,
    ),
    Unit("550000000", "Павлодарская область", "Павлодар облысы", "Павлодар", "Павлодар", 5, 0),
    Unit(
        "270000000", "Западно-Казахстанская область", "Батыс Қазақстан облысы", "ЗКО", "БҚО", 0, 1
    ),
    Unit("390000000", "Костанайская область", "Қостанай облысы", "Костанай", "Қостанай", 2, 1),
    Unit("110000000", "Акмолинская область", "Ақмола облысы", "Акмола", "Ақмола", 3, 1),
    Unit("710000000", "Астана", "Астана", "Астана", "Астана", 4, 1),
    Unit("100000000", "область Абай", "Абай облысы", "Абай", "Абай", 5, 1),
    Unit(
        "630000000", "Восточно-Казахстанская область", "Шығыс Қазақстан облысы", "ВКО", "ШҚО", 6, 1
    ),
    Unit("230000000", "Атырауская область", "Атырау облысы", "Атырау", "Атырау", 0, 2),
    Unit("150000000", "Актюбинская область", "Ақтөбе облысы", "Актобе", "Ақтөбе", 1, 2),
    Unit("430000000", "Кызылординская область", "Қызылорда облысы", "Кызылорда", "Қызылорда", 2, 2),
    Unit("620000000", "область Улытау", "Ұлытау облысы", "Улытау", "Ұлытау", 3, 2),
    Unit("350000000", "Карагандинская область", "Қарағанды облысы", "Караганда", "Қарағанды", 4, 2),
    Unit("330000000", "область Жетысу", "Жетісу облысы", "Жетысу", "Жетісу", 5, 2),
    Unit("470000000", "Мангистауская область", "Маңғыстау облысы", "Мангистау", "Маңғыстау", 0, 3),
    Unit("610000000", "Туркестанская область", "Түркістан облысы", "Туркестан", "Түркістан", 3, 3),
    Unit("310000000", "Жамбылская область", "Жамбыл облысы", "Жамбыл", "Жамбыл", 4, 3),
    Unit("190000000", "Алматинская область", "Алматы облысы", "Алм. обл.", "Алм. обл.", 5, 3),
    Unit("790000000", "Шымкент", "Шымкент", "Шымкент", "Шымкент", 3, 4),
    Unit("750000000", "Алматы", "Алматы", "Алматы", "Алматы", 5, 4),
)
COLS, ROWS = 7, 5
BY_PREFIX = {u.prefix: u for u in UNITS}
BY_NAME = {u.name: u for u in UNITS}

# ColorBrewer «Blues», 5 classes (colorbrewer2.org, Apache-2.0 licence); zero has its own grey
ZERO_COLOUR = "#eceff2"
COLOURS = ("#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c")
DARK = {"#3182bd", "#08519c"}  # tiles whose label is written in white

TILE = 100  # SVG units per tile side (a 2-unit gap inside each side)
GAP = 4


def unit_of(kato: str | None, name: str | None = None) -> Unit | None:
    """The top-level unit a territory lies in: by its KATO code, else by its own (region) name."""
    if kato and len(kato) >= 2 and kato[:2] in BY_PREFIX:
        return BY_PREFIX[kato[:2]]
    return BY_NAME.get(name or "")


def classes(counts: Mapping[str, int]) -> list[int]:
    """Upper bounds of the colour classes for these counts: up to 5 equal steps of the maximum."""
    top = max(counts.values(), default=0)
    if top <= 0:
        return []
    steps = min(len(COLOURS), top)
    bounds = sorted({max(1, round(top * (i + 1) / steps)) for i in range(steps)})
    return bounds


def colour(value: int, bounds: list[int]) -> str:
    """The fill of a tile with `value` (ZERO_COLOUR for 0; the darkest for the maximum)."""
    if value <= 0 or not bounds:
        return ZERO_COLOUR
    offset = len(COLOURS) - len(bounds)  # few classes: use the darker end of the ramp
    for i, bound in enumerate(bounds):
        if value <= bound:
            return COLOURS[offset + i]
    return COLOURS[-1]


@dataclass
class Cell:
    """A tile as the templates draw it."""

    unit: Unit
    value: int
    fill: str
    text_fill: str
    x: int
    y: int
    label: str
    title: str


@dataclass
class LegendStep:
    fill: str
    low: int
    high: int


@dataclass
class RegionMap:
    """The 20 tiles with their values, the legend, the size of the drawing (SVG units)."""

    cells: list[Cell]
    legend: list[LegendStep]
    width: int = COLS * TILE
    height: int = ROWS * TILE
    total: int = 0


def region_map(counts: Mapping[str, int], lang: str = "ru") -> RegionMap:
    """The map of `counts` (KATO code of a top-level unit → count; missing units count 0)."""
    values = {u.kato: int(counts.get(u.kato, 0)) for u in UNITS}
    bounds = classes(values)
    cells = []
    for u in UNITS:
        fill = colour(values[u.kato], bounds)
        cells.append(
            Cell(
                u,
                values[u.kato],
                fill,
                "#ffffff" if fill in DARK else "#1d2329",
                u.col * TILE + GAP // 2,
                u.row * TILE + GAP // 2,
                u.label(lang),
                u.title(lang),
            )
        )
    offset = len(COLOURS) - len(bounds)
    legend = [LegendStep(ZERO_COLOUR, 0, 0)]
    low = 1
    for i, bound in enumerate(bounds):
        legend.append(LegendStep(COLOURS[offset + i], low, bound))
        low = bound + 1
    return RegionMap(cells, legend, total=sum(values.values()))


def render_png(rmap: RegionMap, *, title: str = "", legend_title: str = "") -> bytes:
    """The map as a PNG (matplotlib's object API and Agg canvas, no pyplot state, so threads may draw
    at once; no network, no fonts beyond matplotlib's own DejaVu Sans)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    fig = Figure(figsize=(7.0, 5.6), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.01, 0.16, 0.98, 0.76))
    ax.set_xlim(0, rmap.width)
    ax.set_ylim(rmap.height, 0)
    ax.set_aspect("equal")
    ax.axis("off")
    size = TILE - GAP
    for c in rmap.cells:
        ax.add_patch(Rectangle((c.x, c.y), size, size, facecolor=c.fill, edgecolor="#ffffff"))
        ax.text(
            c.x + size / 2, c.y + size * 0.42, c.label, ha="center", va="center", fontsize=9.5,
            color=c.text_fill,
        )  # fmt: skip
        ax.text(
            c.x + size / 2, c.y + size * 0.72, str(c.value), ha="center", va="center",
            fontsize=15, fontweight="bold", color=c.text_fill,
        )  # fmt: skip
    if title:
        fig.suptitle(title, fontsize=12, y=0.97)
    lax = fig.add_axes((0.05, 0.02, 0.9, 0.1))
    lax.axis("off")
    lax.set_xlim(0, len(rmap.legend) * 100)
    lax.set_ylim(0, 40)
    if legend_title:
        lax.text(0, 36, legend_title, fontsize=9, va="top")
    for i, step in enumerate(rmap.legend):
        lax.add_patch(Rectangle((i * 100, 2), 24, 18, facecolor=step.fill, edgecolor="#888888"))
        text = str(step.low) if step.low == step.high else f"{step.low}–{step.high}"
        lax.text(i * 100 + 30, 11, text, fontsize=9, va="center")
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
