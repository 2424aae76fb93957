"""Feed bytes to articles: RSS and Atom in Russian and Kazakh, charsets, broken, hostile input."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest
from feedserver import fixture_bytes

from newsmon.ingest.parse import (
    FeedParseError,
    guess_encoding,
    html_to_text,
    mojibake_score,
    parse_feed,
    title_from_text,
)

RSS = {"content-type": "application/rss+xml"}
BASE = "https://feeds.example.kz/rss/feed.xml"


@pytest.mark.parametrize(
    ("fixture", "version", "titles"),
    [
        (
            "rss-ru.rss",
            "rss20",
            [
                "В Алматы открылась новая школа на 1200 мест",
                "Аким Шемонаихинского района встретился с жителями",
                "Паводки в Казахстане: что известно к этому часу",
            ],
        ),
        (
            "rss-kk.rss",
            "rss20",
            [
                "Астанада жаңа мектеп ашылды",
                "Шымкент қаласының әкімі тұрғындармен кездесті",
                "Өскеменде жол жөндеу жұмыстары басталды",
            ],
        ),
        (
            "atom-ru.atom",
            "atom10",
            [
                "Нацбанк сохранил базовую ставку на уровне 14,75%",
                "Курс тенге укрепился к доллару на открытии торгов",
            ],
        ),
        (
            "atom-kk.atom",
            "atom10",
            [
                "Ақмола облысында егін жинау науқаны басталды",
                "Үкімет отырысында су тасқынына дайындық қаралды",
            ],
        ),
    ],
)
def test_good_feeds(fixture: str, version: str, titles: list[str]) -> None:
    parsed = parse_feed(fixture_bytes(fixture), RSS, BASE)
    assert parsed.version == version
    assert [i.title for i in parsed.items] == titles
    assert not parsed.skipped and not parsed.warnings
    for item in parsed.items:
        assert item.url.startswith("https://") and item.text and item.published is not None
        assert item.published.tzinfo is not None
        assert "<" not in item.text  # HTML content came out as plain text


def test_entry_details() -> None:
    ru = parse_feed(fixture_bytes("rss-ru.rss"), RSS, BASE).items
    school = ru[0]
    assert school.guid == "tengrinews-531201"
    assert school.published.isoformat() == "2024-04-15T05:00:00+00:00"  # 10:00 +05:00
    # content:encoded is the text, paragraphs kept apart; the description is the summary
    assert school.text.split("\n\n") == [
        "В Бостандыкском районе Алматы открылась новая школа на 1200 мест.",
        "В ней есть бассейн, спортивный зал и современные лаборатории по химии и физике.",
    ]
    assert school.summary == "В Бостандыкском районе Алматы открылась новая школа."
    # a relative link is resolved against the URL the feed came from
    kk = parse_feed(fixture_bytes("rss-kk.rss"), RSS, BASE).items
    assert (
        kk[0].url
        == "https://feeds.example.kz/kazakhstan_news/astanada-jana-mektep-ashyildyi-401101/"
    )
    atom = parse_feed(fixture_bytes("atom-ru.atom"), RSS, BASE).items
    assert (
        atom[1].published.isoformat() == "2024-04-16T04:30:00+00:00"
    )  # <updated> when no <published>


@pytest.mark.parametrize(
    ("fixture", "encoding", "must_contain"),
    [
        (
            "cp1251-ru.rss",
            "cp1251",
            ["Новости Жезказгана", "многопрофильную больницу", "Бюро национальной статистики"],
        ),
        (
            "kz1048-kk.rss",
            "kz1048",
            ["Ұлытау облысында", "Жезқазған қаласында", "Шаһар маңындағы", "Әкімдік"],
        ),
    ],
)
@pytest.mark.parametrize(
    "content_type", ["application/rss+xml", "text/xml", None, "application/rss+xml; charset=utf-8"]
)
def test_one_byte_cyrillic_without_charset_is_readable(
    fixture: str, encoding: str, must_contain: list[str], content_type: str | None
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    parsed = parse_feed(
        fixture_bytes(fixture), headers, BASE
    )  # the last: a server that lies (says utf-8)
    text = "\n".join(f"{i.title}\n{i.text}" for i in parsed.items)
    assert parsed.encoding == encoding and len(parsed.items) == 2
    for phrase in must_contain:
        assert phrase in text
    assert "Íîâîñòè" not in text and "Ð" not in text
    assert mojibake_score(text) == 0


def test_mojibake_is_recognised() -> None:
    ru = "Новости Казахстана"
    assert mojibake_score(ru) == 0
    assert mojibake_score(ru.encode("cp1251").decode("latin-1")) > 0  # «Íîâîñòè»
    assert mojibake_score(ru.encode("utf-8").decode("cp1251")) > 0  # «РќРѕРІ…»
    assert mojibake_score(ru.encode("utf-8").decode("latin-1")) > 0  # «Ð½Ð¾…»
    kk = "Қазақстан жаңалықтары, әкім, Ұлытау"
    assert mojibake_score(kk) == 0
    assert mojibake_score(kk.encode("kz1048").decode("cp1251")) > 0  # «Ќазаќстан»


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Новости Казахстана: курс тенге", "cp1251"),
        ("Қазақстан жаңалықтары: әкім тұрғындармен кездесті", "kz1048"),
        ("Новости и жаңалықтар", "utf-8"),
    ],
)
def test_guess_encoding(text: str, encoding: str) -> None:
    assert guess_encoding(text.encode(encoding)) == encoding


def test_wrongly_declared_utf8_is_repaired() -> None:
    body = fixture_bytes("rss-ru.rss").replace(b'encoding="UTF-8"', b'encoding="windows-1251"')
    parsed = parse_feed(body, RSS, BASE)
    assert parsed.items[0].title == "В Алматы открылась новая школа на 1200 мест"


@pytest.mark.parametrize(
    ("fixture", "content_type", "message"),
    [
        ("page.html", "text/html; charset=utf-8", "HTML page, not a feed"),
        ("page.html", "application/rss+xml", "HTML page, not a feed"),  # a server that mislabels it
        ("malformed.xml", "application/rss+xml", "malformed XML"),
        ("not-a-feed.xml", "application/xml", "not an RSS or Atom feed"),
    ],
)
def test_not_a_feed_is_a_clear_error(fixture: str, content_type: str, message: str) -> None:
    with pytest.raises(FeedParseError, match=message):
        parse_feed(fixture_bytes(fixture), {"content-type": content_type}, BASE)


def test_empty_body_and_empty_feed() -> None:
    with pytest.raises(FeedParseError, match="empty body"):
        parse_feed(b"  \n", RSS, BASE)
    parsed = parse_feed(fixture_bytes("empty.rss"), RSS, BASE)
    assert parsed.entries == 0 and parsed.items == [] and parsed.version == "rss20"


def test_partly_broken_feed_keeps_its_entries_with_a_warning() -> None:
    parsed = parse_feed(fixture_bytes("partial.rss"), RSS, BASE)
    assert [i.title for i in parsed.items] == [
        "В Караганде отремонтируют 50 дворов",
        "В Костанае запустили новые автобусы",
    ]
    assert len(parsed.warnings) == 1 and "malformed feed, kept 2 entries" in parsed.warnings[0]


def test_entries_without_date_link_or_title() -> None:
    parsed = parse_feed(fixture_bytes("missing-fields.rss"), RSS, BASE)
    assert parsed.entries == 5 and parsed.skipped == ["no link and no URL in guid"]
    by_url = {i.url: i for i in parsed.items}
    assert by_url["https://pavlodarnews.kz/news/subbotnik-2024"].published is None
    assert "https://atyrau.kz/news/most-2024" in by_url  # the guid served as link
    untitled = by_url["https://pavlodarnews.kz/news/bez-zagolovka"]
    assert untitled.title.startswith("В Экибастузе завершили капитальный ремонт")
    assert untitled.title.endswith("…") and len(untitled.title) <= 81
    kk = by_url["https://kaz.tengrinews.kz/news/taqyrypsyz"]
    assert kk.title == "Қарағанды облысында жаңа балабақша ашылды." and kk.published is None


def test_nul_bytes_survive_parsing_for_the_store_to_clean() -> None:
    parsed = parse_feed(fixture_bytes("nul-bytes.rss"), RSS, BASE)
    assert [i.url for i in parsed.items] == [
        "https://taraz.kz/news/skver-2024",
        "https://turkistan.kz/news/sayabaq-2024",
    ]
    assert parsed.warnings  # raw NUL is not XML: parsed leniently, and said so


def test_entity_expansion_and_external_entities_are_refused() -> None:
    """Issue 14 finding 15: the billion-laughs feed was stored with the title "&lol9;" and "ok";
    a feed whose entity declarations the parser refused is a failed parse with the parser's reason,
    and nothing is expanded or read on the way."""
    with pytest.raises(FeedParseError) as err:
        parse_feed(fixture_bytes("billion-laughs.rss"), RSS, BASE)
    message = str(err.value)
    assert "entity declarations refused" in message and "undefined entity" in message
    assert "root:" not in message and "lollol" not in message


def test_safe_entity_declarations_and_stray_entities_still_parse() -> None:
    """The refusal is only for refused declarations: `<!ENTITY nbsp "&#160;">` (old CMSs) parses,
    and a feed with an undefined `&nbsp;` and no DOCTYPE keeps its good entries (partial.rss)."""
    body = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY nbsp "&#160;">]><rss version="2.0">'
        b"<channel><title>T</title><item><title>A&nbsp;B</title>"
        b"<link>https://example.kz/1</link></item></channel></rss>"
    )
    assert [i.title for i in parse_feed(body, RSS, BASE).items] == ["A B"]  # nbsp folded
    assert len(parse_feed(fixture_bytes("partial.rss"), RSS, BASE).items) == 2


def test_entity_expansion_under_a_memory_limit() -> None:
    """The same document parsed in a child process capped at 512 MB: refused, not expanded."""
    code = (
        "import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (512 << 20, 512 << 20));"
        "from newsmon.ingest.parse import FeedParseError, parse_feed\n"
        "try:\n    parse_feed(sys.stdin.buffer.read(), {}, 'https://example.kz/')\n"
        "except FeedParseError as exc:\n    print(exc)\n"
    )
    assert resource.RLIMIT_AS  # Linux
    out = subprocess.run(
        [sys.executable, "-c", code],
        input=fixture_bytes("billion-laughs.rss"),
        capture_output=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr.decode()[-500:]
    assert "entity declarations refused" in out.stdout.decode()


def test_a_body_naming_a_local_file_is_not_opened(tmp_path: Path) -> None:
    """feedparser opens strings (and bytes) that name files; a server answering with a path must
    not make us parse that file."""
    secret = tmp_path / "secret.rss"
    secret.write_bytes(fixture_bytes("rss-ru.rss"))
    with pytest.raises(FeedParseError):
        parse_feed(str(secret).encode(), RSS, BASE)


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>Первый абзац.</p><p>Второй&nbsp;абзац.</p>", "Первый абзац.\n\nВторой абзац."),
        ("Строка<br/>следующая", "Строка\nследующая"),
        ("<div><b>Әкім</b> &laquo;Ауыл аманаты&raquo;</div>", "Әкім «Ауыл аманаты»"),
        ("без разметки   и   пробелы", "без разметки и пробелы"),
        (
            "<p>Текст</p><script>alert('x')</script><style>p {color: red}</style><!-- <p>скрыто</p> -->",
            "Текст",
        ),
        ("<SCRIPT type='text/javascript'>var a = '<p>';</SCRIPT>Жаңалық", "Жаңалық"),
        ("", ""),
    ],
)
def test_html_to_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("Короткий текст.", "Короткий текст."),
        (
            "Өскемен қаласында биыл қырық бес көшеге орташа жөндеу жүргізіледі, жұмыстарға жергілікті бюджеттен қаржы бөлінді.",
            "Өскемен қаласында биыл қырық бес көшеге орташа жөндеу жүргізіледі, жұмыстарға…",
        ),
    ],
)
def test_title_from_text(text: str, title: str) -> None:
    assert title_from_text(text) == title
