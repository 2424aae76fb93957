"""KATO codes (the Kazakh classifier of territorial units, AB CD EF HHH): the prefix a unit's children share.

KATO codes are hierarchical, so 636837000 lies inside 636800000 inside 630000000. Used by the
gazetteer, the territory finder and the fact queries; this module imports nothing from newsmon.
"""

from __future__ import annotations


def kato_prefix(code: str) -> str:
    """The leading digits every unit inside `code` shares: 630000000 → 63, 636800000 → 6368.

    Anything but a 9-digit code is taken as a prefix already and returned stripped.
    """
    code = code.strip()
    if len(code) != 9 or not code.isdigit():
        return code
    for keep in (2, 4, 6):
        if set(code[keep:]) == {"0"}:
            return code[:keep]
    return code


def kato_within(ancestor: str, code: str | None) -> bool:
    """Whether the unit `code` lies inside (or is) `ancestor` (a KATO code or prefix)."""
    return bool(code) and code.startswith(kato_prefix(ancestor))  # type: ignore[union-attr]


ASTANA = "710000000"  # the capital («столица», «елорда»): territories and akims both name it
