"""Headings, labels and number formats of the digest in Russian and Kazakh."""

from __future__ import annotations

from newsmon.text import NLP_LANGS

LANGS = NLP_LANGS  # a digest per language newsmon analyses

LABELS: dict[str, dict[str, str]] = {
    "ru": {
        "title": "Дайджест новостей",
        "region": "Регион",
        "all_regions": "все регионы",
        "stories": "Главные сюжеты дня",
        "stories_note": "по значимости: смены акимов, программы, суммы, список наблюдения, регионы, число изданий",
        "score": "значимость",
        "also": "а также",
        "brief": "Другие сюжеты",
        "more_stories": "Ещё сюжетов за день",
        "map": "Регионы в новостях",
        "map_note": "Статей с упоминанием региона; каждый регион — квадрат примерно на своём месте (не границы).",
        "map_legend": "Статей",
        "akims": "Акимы в новостях",
        "amounts": "Деньги по программам и регионам",
        "programs": "Программы в новостях",
        "watchlist": "Список наблюдения",
        "outlets_section": "Публикации по изданиям",
        "empty": "За {day} статей нет{region_note}.",
        "empty_section": "Нет.",
        "no_watchlist": "Файл watchlist.yaml не найден: раздел пропущен.",
        "new": "впервые",
        "changed": "смена",
        "known": "уже был в новостях",
        "previously": "ранее",
        "no_program": "без программы",
        "no_region": "регион не указан",
        "total": "итого",
        "in": "в ",
        "col_articles": "Статьи",
        "col_facts": "Факты",
        "evidence": "Цитата",
        "more": "ещё",
        "generated": "Сформировано",
        "outlet": "Издание",
        "lang_ru": "рус",
        "lang_kk": "қаз",
        "kind_person": "люди",
        "kind_party": "партии",
        "kind_program": "программы",
        "kind_territory": "территории",
        "contents": "Содержание",
    },
    "kk": {
        "title": "Жаңалықтар дайджесті",
        "region": "Өңір",
        "all_regions": "барлық өңірлер",
        "stories": "Күннің басты оқиғалары",
        "stories_note": "маңыздылығы бойынша: әкім ауысуы, бағдарламалар, сомалар, бақылау тізімі, өңірлер, басылымдар саны",
        "score": "маңыздылығы",
        "also": "сондай-ақ",
        "brief": "Басқа оқиғалар",
        "more_stories": "Күннің тағы оқиғалары",
        "map": "Жаңалықтардағы өңірлер",
        "map_note": "Өңір аталған мақалалар саны; әр өңір шамамен өз орнындағы шаршы (шекаралар емес).",
        "map_legend": "Мақалалар",
        "akims": "Жаңалықтардағы әкімдер",
        "amounts": "Бағдарламалар мен өңірлер бойынша қаржы",
        "programs": "Жаңалықтардағы бағдарламалар",
        "watchlist": "Бақылау тізімі",
        "outlets_section": "Басылымдар бойынша жарияланымдар",
        "empty": "{day} күні мақала жоқ{region_note}.",
        "empty_section": "Жоқ.",
        "no_watchlist": "watchlist.yaml файлы табылмады: бөлім өткізіліп жіберілді.",
        "new": "алғаш рет",
        "changed": "ауысым",
        "known": "бұрын да аталған",
        "previously": "бұрын",
        "no_program": "бағдарламасыз",
        "no_region": "өңірі көрсетілмеген",
        "total": "барлығы",
        "in": "",
        "col_articles": "Мақалалар",
        "col_facts": "Деректер",
        "evidence": "Дәйексөз",
        "more": "тағы",
        "generated": "Құрастырылған уақыты",
        "outlet": "Басылым",
        "lang_ru": "орыс",
        "lang_kk": "қаз",
        "kind_person": "адамдар",
        "kind_party": "партиялар",
        "kind_program": "бағдарламалар",
        "kind_territory": "аумақтар",
        "contents": "Мазмұны",
    },
}

ROLES = {
    "kk": {"аким": "әкім", "заместитель акима": "әкімнің орынбасары", "и.о. акима": "әкімнің м.а."},
    "ru": {},
}

UNITS = {
    "ru": {
        "KZT": "тенге",
        "USD": "долл. США",
        "RUB": "руб.",
        "EUR": "евро",
        "%": "%",
        "ha": "га",
        "km": "км",
        "people": "чел.",
        "t": "т",
    },
    "kk": {
        "KZT": "теңге",
        "USD": "АҚШ доллары",
        "RUB": "рубль",
        "EUR": "еуро",
        "%": "%",
        "ha": "га",
        "km": "км",
        "people": "адам",
        "t": "т",
    },
}
SCALES = {
    "ru": ((1e12, "трлн"), (1e9, "млрд"), (1e6, "млн"), (1e3, "тыс.")),
    "kk": ((1e12, "трлн"), (1e9, "млрд"), (1e6, "млн"), (1e3, "мың")),
}


# counted nouns: Russian has three forms after numerals (1 статья, 2 статьи, 5 статей); Kazakh one
PLURALS: dict[str, dict[str, tuple[str, ...]]] = {
    "ru": {
        "articles": ("статья", "статьи", "статей"),
        "outlets": ("издание", "издания", "изданий"),
        "facts": ("факт", "факта", "фактов"),
        "mentions": ("упоминание", "упоминания", "упоминаний"),
        "in_articles": ("статье", "статьях", "статьях"),
    },
    "kk": {
        "articles": ("мақала",),
        "outlets": ("басылым",),
        "facts": ("дерек",),
        "mentions": ("рет аталды",),
        "in_articles": ("мақалада",),
    },
}


def plural(n: int, key: str, lang: str) -> str:
    """The noun `key` in the form that goes after the number `n`."""
    forms = PLURALS[lang][key]
    if len(forms) == 1:
        return forms[0]
    n = abs(n)
    if n % 10 == 1 and n % 100 != 11:
        return forms[0]
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return forms[1]
    return forms[2]


def labels(lang: str) -> dict[str, str]:
    return LABELS[lang]


def role_label(role: str | None, lang: str) -> str:
    if not role:
        return ""
    return ROLES.get(lang, {}).get(role, role)


def format_number(value: float, lang: str = "ru") -> str:
    """1500000000 → «1,5 млрд»; 450 → «450»; decimal comma, thin spaces between thousands."""
    for scale, word in SCALES[lang]:
        if (abs(value) >= scale and scale >= 1e6) or (
            scale == 1e3 and abs(value) >= 1e4 and value % 1000 == 0
        ):
            num = f"{value / scale:.2f}".rstrip("0").rstrip(".").replace(".", ",")
            return f"{num} {word}"
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", "\u202f")
    return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")


def format_amount(value: float | None, unit: str | None, lang: str = "ru") -> str:
    if value is None:
        return ""
    unit_word = UNITS[lang].get(unit or "", unit or "")
    return (
        f"{format_number(value, lang)} {unit_word}".strip()
        if unit != "%"
        else f"{format_number(value, lang)}%"
    )
