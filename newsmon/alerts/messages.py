"""One batched message per rule and channel: a count, the first hits with their evidence sentence (the
fact marked) and a link each, and a link to all of them."""

from __future__ import annotations

import hashlib
import html
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from newsmon.alerts.channels import TELEGRAM_LIMIT, Message
from newsmon.alerts.rules import AlertRule, fact_filter

LABELS = {
    "ru": {
        "subject": "newsmon: «{rule}» — новых совпадений: {count}",
        "head": "Правило «{rule}»: новых совпадений {count}.",
        "more": "Ещё {rest} — все совпадения: {link}",
        "all": "Все совпадения: {link}",
        "article": "статья",
    },
    "kk": {
        "subject": "newsmon: «{rule}» — жаңа сәйкестіктер: {count}",
        "head": "«{rule}» ережесі: жаңа сәйкестіктер саны {count}.",
        "more": "Тағы {rest} — барлық сәйкестіктер: {link}",
        "all": "Барлық сәйкестіктер: {link}",
        "article": "мақала",
    },
}


def _marked(
    sentence: str, span: tuple[int, int] | None, left: str, right: str, escape: bool
) -> str:
    esc = html.escape if escape else (lambda s: s)
    if span is None:
        return esc(sentence)
    a, b = span
    return esc(sentence[:a]) + left + esc(sentence[a:b]) + right + esc(sentence[b:])


def rule_link(
    rule: AlertRule,
    public_url: str,
    since: date,
    lang: str = "ru",
    programs_file: Path | None = None,
) -> str:
    """The facts page listing what the rule matches (the entity criterion aside), in `lang`;
    programme names canonical in `programs_file` (the built-in catalogue when None)."""
    flt = fact_filter(rule, since, programs_file)
    params = {
        "kind": flt.kind,
        "person": rule.person,
        "program": flt.program,
        "territory": flt.territory,
        "unit": flt.unit,
        "min_value": f"{flt.min_value:g}" if flt.min_value is not None else None,
        "lang": flt.lang,
        "since": flt.since.isoformat() if flt.since else None,
        "ui": lang,
    }
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"{public_url.rstrip('/')}/facts" + (f"?{query}" if query else "")


def hit_link(fact: dict[str, Any], public_url: str, lang: str = "ru") -> str:
    """The article page (its facts highlighted) of a hit, on `newsmon serve`, in `lang`."""
    return f"{public_url.rstrip('/')}/articles/{fact['article_id']}?ui={lang}#fact-{fact['id']}"


def delivery_id(rule: str, channel: str, fact_ids: Sequence[int]) -> str:
    """The same for the same batch: a batch resent after a crash repeats its id."""
    digest = hashlib.sha256(f"{rule}\0{channel}\0{','.join(map(str, fact_ids))}".encode())
    return digest.hexdigest()[:32]


def _what(fact: dict[str, Any]) -> str:
    territory = (fact.get("territory") or {}).get("name")
    if fact["kind"] == "akim":
        return " — ".join(x for x in (fact.get("person"), fact.get("role"), territory) if x)
    if fact["kind"] == "amount":
        return " — ".join(x for x in (fact.get("raw"), fact.get("program"), territory) if x)
    if fact["kind"] == "program":
        return str(fact.get("program") or "")
    return str(territory or fact.get("text") or "")


def batch_message(
    rule: AlertRule,
    channel: str,
    facts: Sequence[dict[str, Any]],
    count: int,
    fact_ids: Sequence[int],
    *,
    public_url: str,
    since: date,
    lang: str = "ru",
    programs_file: Path | None = None,
) -> Message:
    """The message of one batch: `count` hits, of which `facts` are listed (CONTRACT §2 dicts plus
    `article_id` and `mark`, the fact's offsets in its sentence or None)."""
    lab = LABELS[lang]
    link = rule_link(rule, public_url, since, lang, programs_file)
    subject = lab["subject"].format(rule=rule.name, count=count)
    head = lab["head"].format(rule=rule.name, count=count)
    text_lines, html_items, tg_lines, hits = [head, ""], [], [html.escape(head), ""], []
    for f in facts:
        art = f["article"]
        when = (art.get("published") or "")[:10]
        where = f"{when} {art.get('source') or ''}".strip()
        url = hit_link(f, public_url, lang)
        sentence = f["sentence"] or f["text"]
        mark = f.get("mark")
        span = (int(mark[0]), int(mark[1])) if mark else None
        what = _what(f)
        text_lines.append(f"• [{f['kind']}] {what} ({where})")
        text_lines.append(f"  {_marked(sentence, span, '[', ']', escape=False)}")
        text_lines.append(f"  {url}")
        html_items.append(
            f'<li style="margin:0 0 12px 0"><b>{html.escape(what)}</b> '
            f'<span style="color:#666">({html.escape(where)})</span><br>'
            + _marked(sentence, span, '<mark style="background:#ffe066">', "</mark>", True)
            + f'<br><a href="{html.escape(url)}">{html.escape(art.get("title") or lab["article"])}</a></li>'
        )
        tg_lines.append(
            f"• {html.escape(what)} ({html.escape(where)})\n"
            + _marked(sentence, span, "<b>", "</b>", True)
            + f'\n<a href="{html.escape(url)}">{html.escape(lab["article"])}</a>'
        )
        hits.append(
            {
                "fact_id": f["id"],
                "kind": f["kind"],
                "text": f["text"],
                "sentence": sentence,
                "mark": list(span) if span else None,
                "what": what,
                "link": url,
                "article": art,
            }
        )
    rest = count - len(facts)
    tail = lab["more"].format(rest=rest, link=link) if rest > 0 else lab["all"].format(link=link)
    text_lines += ["", tail]
    tg_items = tg_lines[2:]
    while True:  # as many hits as fit one Telegram message, the rest counted and linked
        shown_rest = count - len(tg_items)
        tg_tail = (
            lab["more"].format(rest=shown_rest, link=link)
            if shown_rest > 0
            else lab["all"].format(link=link)
        )
        tg_full = "\n\n".join([tg_lines[0], *tg_items, html.escape(tg_tail)])
        if len(tg_full) <= TELEGRAM_LIMIT - 96 or not tg_items:
            break
        tg_items.pop()
    body = (
        f'<div style="font-family:Arial,sans-serif;font-size:15px;line-height:1.4;color:#222">'
        f'<p><b>{html.escape(head)}</b></p><ul style="padding-left:18px">{"".join(html_items)}</ul>'
        f'<p><a href="{html.escape(link)}">{html.escape(tail)}</a></p></div>'
    )
    return Message(
        subject=subject,
        text="\n".join(text_lines),
        html=f'<!doctype html><html lang="{lang}"><body>{body}</body></html>',
        telegram_html=tg_full,
        data={"rule": rule.name, "count": count, "link": link, "hits": hits},
        delivery_id=delivery_id(rule.name, channel, fact_ids),
    )


DIGEST_LABELS = {
    "ru": ("Дайджест newsmon за {day}", "статей: {articles}, сюжетов: {stories}, фактов: {facts}"),
    "kk": (
        "newsmon дайджесті, {day}",
        "мақалалар: {articles}, сюжеттер: {stories}, деректер: {facts}",
    ),
}


def digest_message(
    day: date,
    lang: str,
    html_page: str,
    text: str,
    *,
    articles: int,
    stories: int,
    facts: int,
    public_url: str,
    images: dict[str, bytes] | None = None,
) -> Message:
    """The day's digest for the channels: the email-ready HTML (and its text) by email, a short note
    with a link to the digest page for Telegram and the webhook."""
    title, counts = DIGEST_LABELS[lang]
    subject = title.format(day=day.isoformat())
    link = f"{public_url.rstrip('/')}/digest?" + urlencode({"date": day.isoformat(), "ui": lang})
    note = f"{subject}: {counts.format(articles=articles, stories=stories, facts=facts)}.\n{link}"
    return Message(
        subject=subject,
        text=text,
        html=html_page,
        telegram_html=f"<b>{html.escape(subject)}</b>\n"
        + html.escape(counts.format(articles=articles, stories=stories, facts=facts))
        + f'\n<a href="{html.escape(link)}">{html.escape(link)}</a>',
        data={"kind": "digest", "date": day.isoformat(), "lang": lang, "link": link, "note": note},
        images=dict(images or {}),
    )
