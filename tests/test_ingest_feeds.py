"""feeds.yaml: the project's own file is valid, and a bad file names the entry and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsmon.errors import FeedsFileError
from newsmon.ingest.feeds import DEFAULT_POLL_MINUTES, load_feeds

ROOT = Path(__file__).resolve().parents[1]


def test_project_feeds_file() -> None:
    feeds = load_feeds(ROOT / "feeds.yaml")
    langs = [f.lang for f in feeds]
    assert len(feeds) >= 15
    assert langs.count("ru") >= 5 and langs.count("kk") >= 3
    assert len({f.name for f in feeds}) == len(feeds)
    assert all(f.host.endswith((".kz", ".org", ".com", ".media", ".tv")) for f in feeds)
    assert any(f.fulltext for f in feeds) and any(not f.fulltext for f in feeds)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "feeds.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_schema_and_extra_keys(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
feeds:
  - name: tengrinews-ru
    url: https://tengrinews.kz/news.rss
    lang: ru
    fulltext: true
  - name: egemen-kk
    url: https://egemen.kz/rss
    lang: kk
    region: Астана
    tags: [national, official]
    poll_minutes: 60
""",
    )
    feeds = load_feeds(path)
    ru, kk = feeds.feeds
    assert (ru.name, ru.url, ru.lang, ru.fulltext, ru.poll_minutes) == (
        "tengrinews-ru",
        "https://tengrinews.kz/news.rss",
        "ru",
        True,
        DEFAULT_POLL_MINUTES,
    )
    assert (kk.fulltext, kk.region, kk.tags, kk.poll_minutes) == (
        False,
        "Астана",
        ("national", "official"),
        60,
    )
    assert feeds.get("egemen-kk") is kk and feeds.get("nope") is None


GOOD = "    url: https://tengrinews.kz/news.rss\n    lang: ru\n    fulltext: false\n"


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (
            "  - name: bad-lang\n    url: https://egemen.kz/rss\n    lang: kz\n",
            ["entry 2 ('bad-lang')", "field 'lang'", "'ru', 'kk' or 'en'"],
        ),
        ("  - name: no-url\n    lang: ru\n", ["entry 2 ('no-url')", "field 'url'", "required"]),
        (
            "  - name: ftp-url\n    url: ftp://egemen.kz/rss\n    lang: kk\n",
            ["entry 2 ('ftp-url')", "field 'url'", "http"],
        ),
        (
            "  - name: bad-bool\n    url: https://egemen.kz/rss\n    lang: kk\n    fulltext: maybe\n",
            ["entry 2 ('bad-bool')", "field 'fulltext'", "boolean"],
        ),
        (
            "  - name: typo\n    url: https://egemen.kz/rss\n    lang: kk\n    fulltxt: true\n",
            ["entry 2 ('typo')", "field 'fulltxt'", "unknown key"],
        ),
        (
            "  - url: https://egemen.kz/rss\n    lang: kk\n",
            ["entry 2:", "field 'name'", "required"],
        ),
        (
            "  - name: slow\n    url: https://egemen.kz/rss\n    lang: kk\n    poll_minutes: -5\n",
            ["entry 2 ('slow')", "field 'poll_minutes'"],
        ),
        (
            "  - name: tengrinews-ru\n    url: https://egemen.kz/rss\n    lang: kk\n",
            ["entry 2 ('tengrinews-ru')", "field 'name'", "duplicate of entry 1"],
        ),
        ("  - just a string\n", ["entry 2", "expected a mapping"]),
    ],
)
def test_bad_entry_names_entry_and_field(tmp_path: Path, entry: str, expected: list[str]) -> None:
    path = _write(tmp_path, "feeds:\n  - name: tengrinews-ru\n" + GOOD + entry)
    with pytest.raises(FeedsFileError) as err:
        load_feeds(path)
    message = str(err.value)
    assert message.startswith(str(path))
    for part in expected:
        assert part in message
    assert "entry 1" not in message.replace(
        "duplicate of entry 1", ""
    )  # the good entry is not blamed


def test_every_problem_is_reported(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """feeds:
  - name: a
    url: https://a.kz/rss
    lang: xx
  - name: b
    url: nope
    lang: ru
""",
    )
    with pytest.raises(FeedsFileError) as err:
        load_feeds(path)
    assert "entry 1 ('a'): field 'lang'" in str(err.value) and "entry 2 ('b'): field 'url'" in str(
        err.value
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("feeds: [\n  - name: x\n", "not valid YAML at line"),
        ("- name: x\n", "a 'feeds' list"),
        ("feeds: []\n", "non-empty list"),
        ("feeds: {name: x}\n", "non-empty list"),
    ],
)
def test_bad_file_shape(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(FeedsFileError, match=expected):
        load_feeds(_write(tmp_path, text))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FeedsFileError, match="no such file"):
        load_feeds(tmp_path / "absent.yaml")
