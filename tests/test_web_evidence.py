"""Issue 15 item 5: the fact is marked (<mark>) inside its evidence sentence, found from its stored
offsets (so a repeated word marks the right occurrence) and escaped like the rest of the page; the facts
explorer lists the newest first. In Russian and Kazakh."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from web_support import WATCHLIST, web_db  # noqa: F401 - web_db is a fixture

from newsmon.query import sentence_span
from newsmon.web import create_app

MARK = re.compile(r'<mark class="fact-mark">(.*?)</mark>', re.S)
STORED = "Аким района сказал.\nАким района Асет Жумабаев сказал: аким района доволен. Аким!"


@pytest.mark.parametrize(
    "sentence, text, start, end, stored, expected",
    [
        # the sentence once in the article: the offsets pick the second «аким района», not the first
        (
            "Аким района Асет Жумабаев сказал: аким района доволен.",
            "аким района",
            STORED.index("аким района"),
            STORED.index("аким района") + 11,
            STORED,
            (34, 45),
        ),
        # the same sentence twice in the article: the occurrence that holds the offsets
        ("Аким!", "Аким", len(STORED) - 5, len(STORED) - 1, STORED, (0, 4)),
        # offsets that do not fit the stored text (an edited article): the first occurrence of the text
        ("Әкім Данияр Тілеубаев айтты.", "Данияр Тілеубаев", 900, 916, STORED, (5, 21)),
        ("Әкім айтты.", "Данияр", 900, 906, None, None),  # nowhere: nothing marked
    ],
)
def test_sentence_span(
    sentence: str,
    text: str,
    start: int,
    end: int,
    stored: str | None,
    expected: tuple[int, int] | None,
) -> None:
    span = sentence_span(sentence, text, start, end, stored)
    assert span == expected
    if span is not None and stored is not None and expected is not None:
        assert sentence[span[0] : span[1]].lower() == text.lower()


@pytest.fixture(scope="module")
def client(web_db: str) -> Iterator[TestClient]:
    with TestClient(create_app(web_db, watchlist=WATCHLIST), raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize("ui", ["ru", "kk"])
@pytest.mark.parametrize(
    "path",
    [
        "/facts?limit=200",
        "/search?q=аким",
        "/search?q=әкім",
        "/akims",
        "/programs?program=Ауыл+аманаты",
    ],
)
def test_every_mark_is_the_fact_text(client: TestClient, path: str, ui: str) -> None:
    page = client.get(f"{path}&ui={ui}" if "?" in path else f"{path}?ui={ui}")
    assert page.status_code == 200
    marked = [html.unescape(m) for m in MARK.findall(page.text)]
    assert marked, f"{path}: no fact marked"
    facts = client.get("/api/v1/facts", params={"limit": 500}).json()["facts"]
    texts = {f["text"] for f in facts} | {f["text"].strip('«»"') for f in facts}
    assert all(m in texts for m in marked), [m for m in marked if m not in texts][:3]


def test_marks_in_hostile_sentences_are_escaped(client: TestClient) -> None:
    page = client.get("/facts", params={"territory": "Катон-Карагайский район", "limit": 200})
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "<img src=x" not in page.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.text  # the sentence, shown as text
    marked = [html.unescape(m) for m in MARK.findall(page.text)]
    assert "120 млн тенге" in marked and "Катонқарағай ауданының әкімі Данияр Тілеубаев" in marked


@pytest.mark.parametrize("ui", ["ru", "kk"])
def test_facts_page_lists_newest_first(client: TestClient, ui: str) -> None:
    page = client.get("/facts", params={"ui": ui, "limit": 200})
    shown = [
        int(i) for i in re.findall(r'<tr class="fact" data-kind="\w+" id="fact-(\d+)"', page.text)
    ]
    newest = client.get("/api/v1/facts", params={"sort": "-published", "limit": 200}).json()
    oldest = client.get("/api/v1/facts", params={"limit": 200}).json()
    assert shown == [f["id"] for f in newest["facts"]]
    assert shown != [f["id"] for f in oldest["facts"]]
    days = [f["article"]["published"] for f in newest["facts"] if f["article"]["published"]]
    assert days == sorted(days, reverse=True)
