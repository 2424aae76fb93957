"""Stories: reprints and Russian/Kazakh versions of one report grouped; different reports kept apart."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from digest_support import FACTS, load_sample, sample_rows

from newsmon.stories import StoryArticle, group_stories, shingles, stories_for_day
from newsmon.text import initial_consonants

ROWS = {r["url"].rsplit("/", 1)[-1]: r for r in sample_rows()}


def art(slug: str, i: int, **change: Any) -> StoryArticle:
    r = {**ROWS[slug], **change}
    return StoryArticle(
        i,
        r["url"],
        r["title"],
        r["text"],
        r["source"],
        r["lang"],
        datetime.fromisoformat(r["published"])
        if isinstance(r["published"], str)
        else r["published"],
    )


def facts_for(slug: str) -> list[dict[str, Any]]:
    """The hand-written facts of one sample article, in the CONTRACT shape grouping reads."""
    out = []
    for suffix, kind, text, keys in FACTS:
        if suffix == slug:
            out.append(
                {"kind": kind, "text": text, "article": {"lang": ROWS[slug]["lang"]}, **keys}
            )
    return out


def grouped(slugs: list[str], *, with_facts: bool = False, **change: Any) -> bool:
    arts = [art(s, i, **(change if i == 1 else {})) for i, s in enumerate(slugs)]
    facts = {a.id: facts_for(s) for a, s in zip(arts, slugs, strict=True)} if with_facts else None
    return len(group_stories(arts, facts)) == 1


@pytest.mark.parametrize(
    "slugs, same, why",
    [
        (
            ["aul-amanaty-vko-1-5-mlrd", "2024-11-20-vko-aul-amanaty-kredity"],
            True,
            "ru reprint, last sentence cut",
        ),
        (
            ["2024-11-20-volchanka-dorogi", "volchanskij-okrug-remont-dorog"],
            True,
            "ru rewrite across outlets",
        ),
        (["aul-amanaty-vko-1-5-mlrd", "auyl-amanaty-shqo"], True, "ru and kk: numbers and names"),
        (
            ["ust-kamenogorsk-teploseti-3-2-mlrd", "oskemen-zhylu-zhelileri"],
            True,
            "ru and kk, Өскемен/Усть-Каменогорск",
        ),
        (
            ["novyj-akim-shemonaihinskogo-rajona", "shemonaiha-audanyna-zhana-akim"],
            True,
            "ru and kk: one number, many names (Жумабаев/Жұмабаев, Тулеубаев/Төлеубаев)",
        ),
        (
            ["shemonaiha-otopitelnyj-sezon", "shemonaiha-zhylu-mausymy"],
            True,
            "ru and kk of the day before",
        ),
        (
            ["aul-amanaty-vko-1-5-mlrd", "shemonaiha-audanyna-zhana-akim"],
            False,
            "same deputy akim, other event",
        ),
        (
            ["aul-amanaty-vko-1-5-mlrd", "pavlodar-auyl-amanaty"],
            False,
            "same programme, other region",
        ),
        (
            ["pavlodar-aul-amanaty-900-mln", "aul-amanaty-vko-1-5-mlrd"],
            False,
            "same programme, same language",
        ),
        (
            ["novyj-akim-shemonaihinskogo-rajona", "shemonaiha-zhylu-mausymy"],
            False,
            "same district and old akim",
        ),
        (
            ["2024-11-20-volchanka-dorogi", "aul-amanaty-vko-1-5-mlrd"],
            False,
            "both mention Волчанский округ",
        ),
    ],
)
@pytest.mark.parametrize("with_facts", [False, True], ids=["text-only", "with-facts"])
def test_grouping(slugs: list[str], same: bool, why: str, with_facts: bool) -> None:
    assert grouped(slugs, with_facts=with_facts) is same, why


def test_translations_far_apart_in_time_are_not_joined() -> None:
    later = datetime.fromisoformat(ROWS["oskemen-zhylu-zhelileri"]["published"]) + timedelta(days=5)
    assert (
        grouped(["oskemen-zhylu-zhelileri", "ust-kamenogorsk-teploseti-3-2-mlrd"], published=later)
        is False
    )


def test_kazakh_reprint_with_a_changed_lead_is_joined() -> None:
    r = ROWS["auyl-amanaty-shqo"]
    lead, _, rest = r["text"].partition(". ")
    reprint = f"{lead}, деп хабарлайды Qazaq Uni. {rest.rsplit('. ', 1)[0]}."
    assert grouped(
        ["auyl-amanaty-shqo", "auyl-amanaty-shqo"],
        url="https://qazaq-uni.example/r",
        source="qazaq-uni",
        text=reprint,
    )


def test_unrelated_articles_with_shared_boilerplate_stay_apart() -> None:
    tail = " Подписывайтесь на наш канал в Telegram, передает Vostok Vesti со ссылкой на пресс-службу акимата."
    a = art("2024-11-19-katon-karagaj-turizm", 1)
    b = art("2024-11-20-ridder-vodoprovod", 2)
    a.text += tail
    b.text += tail
    assert len(group_stories([a, b])) == 2


def test_story_facts_are_the_union_without_repeats_and_biggest_story_first() -> None:
    slugs = [
        "aul-amanaty-vko-1-5-mlrd",
        "2024-11-20-vko-aul-amanaty-kredity",
        "auyl-amanaty-shqo",
        "ust-kamenogorsk-teploseti-3-2-mlrd",
        "2024-11-20-ridder-vodoprovod",
    ]
    arts = [art(s, i) for i, s in enumerate(slugs)]
    stories = group_stories(arts, {a.id: facts_for(s) for a, s in zip(arts, slugs, strict=True)})
    assert [len(s.outlets) for s in stories] == sorted(
        (len(s.outlets) for s in stories), reverse=True
    )
    top = stories[0]
    assert {a.id for a in top.articles} == {0, 1, 2} and top.langs == ["kk", "ru"]
    amounts = [f for f in top.facts if f["kind"] == "amount"]
    assert (
        len(amounts) == 1 and amounts[0]["value"] == 1.5e9
    )  # three mentions, two languages: one amount
    assert top.title("kk") == ROWS["auyl-amanaty-shqo"]["title"]
    assert {f["article"]["lang"] for f in top.facts_in("kk")} == {
        "kk",
        "ru",
    }  # kk first, ru for the rest
    assert next(f for f in top.facts_in("kk") if f["kind"] == "amount")["text"] == "1,5 млрд теңге"


@pytest.mark.parametrize(
    "a, b",
    [
        ("Төлеубаевтың", "Тулеубаева"),
        ("Жұмабаев", "Жумабаевым"),
        ("Бекмұханов", "Бекмуханова"),
        ("Қасымова", "Касымовой"),
    ],
)
def test_name_skeletons_meet_across_languages(a: str, b: str) -> None:
    assert initial_consonants(a) == initial_consonants(b)


def test_shingles_fold_case_and_kazakh_letters() -> None:
    assert shingles("Ауыл АМАНАТЫ бағдарламасы") == shingles("ауыл аманаты багдарламасы")
    assert shingles("два слова") == {"два", "слова"}


def test_stories_for_day_reads_the_store(db_url: str) -> None:
    load_sample(db_url)
    stories = stories_for_day(date(2024, 11, 20), database_url=db_url)
    rows = [r for r in sample_rows() if r["published"].startswith("2024-11-20")]
    assert sum(len(s.articles) for s in stories) == len(rows)
    multi = [s for s in stories if len(s.articles) > 1]
    top = stories[0]
    assert top in multi and len(top.outlets) == 3 and top.langs == ["kk", "ru"]
    assert [f["value"] for f in top.facts if f["kind"] == "amount"] == [1.5e9]
