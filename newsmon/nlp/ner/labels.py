"""The canonical NER labels of CONTRACT §3 and the mapping from each dataset's native labels."""

from __future__ import annotations

CANONICAL: tuple[str, ...] = (
    "PER",
    "ORG",
    "LOC",
    "POSITION",
    "PROGRAM",
    "MONEY",
    "PERCENT",
    "DATE",
)

KAZNERD_TO_CANONICAL: dict[str, str] = {
    "PERSON": "PER",
    "ORGANISATION": "ORG",
    "GPE": "LOC",
    "LOCATION": "LOC",
    "POSITION": "POSITION",
    "PROJECT": "PROGRAM",
    "MONEY": "MONEY",
    "PERCENTAGE": "PERCENT",
    "DATE": "DATE",
}

NEREL_TO_CANONICAL: dict[str, str] = {
    "PERSON": "PER",
    "ORGANIZATION": "ORG",
    "CITY": "LOC",
    "COUNTRY": "LOC",
    "STATE_OR_PROVINCE": "LOC",
    "DISTRICT": "LOC",
    "LOCATION": "LOC",
    "PROFESSION": "POSITION",
    "MONEY": "MONEY",
    "PERCENT": "PERCENT",
    "DATE": "DATE",
}

# slovnet / natasha emit PER, LOC, ORG: already canonical
_IDENTITY = {label: label for label in CANONICAL}

MAPPINGS: dict[str, dict[str, str]] = {"kk": KAZNERD_TO_CANONICAL, "ru": NEREL_TO_CANONICAL}


def to_canonical(label: str, lang: str) -> str | None:
    """The canonical label of a native label (`None` when it has none); canonical labels map to themselves."""
    if label in _IDENTITY:
        return label
    return MAPPINGS[lang].get(label)
