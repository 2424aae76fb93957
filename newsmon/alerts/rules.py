"""Alert rules: the `alerts:` section of watchlist.yaml, validated, and the stored facts each one matches.

```yaml
alerts:
  - name: akims-vko                 # unique; delivery records are kept per rule name
    kind: akim                      # akim | amount | program | territory
    territory: Шығыс Қазақстан облысы   # Russian or Kazakh, any case form, or a KATO code; children included
    channels: [telegram, email]     # email | telegram | webhook (configured in the environment)
  - name: big-money
    min_amount: 1000000000          # amounts of at least 1 bn (kind amount implied)
    unit: KZT                       # default KZT
    program: Ауыл аманаты           # a programme in either language (the catalogue maps it)
    lang: kk                        # only facts of Kazakh articles
    channels: [webhook]
  - name: amanat
    entity: AMANAT                  # a watchlist entry, found in the fact's evidence sentence
    channels: [email]
```

Every criterion given must hold (AND). Credentials never go here: a key such as `password` or
`token`, a Telegram bot token or a URL with a password anywhere in the file is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlmodel import Session

from newsmon.errors import ConfigError, NotFoundError
from newsmon.query.facts import FactFilter, fact_conditions
from newsmon.store.models import Fact
from newsmon.watchlist import DEFAULT_FILE, Entity, Watchlist, parse_watchlist

FACT_TABLE: sa.Table = Fact.__table__  # type: ignore[attr-defined]
CHANNELS = ("email", "telegram", "webhook")
Channel = Literal["email", "telegram", "webhook"]
CRITERIA = ("entity", "person", "kind", "territory", "program", "min_amount", "lang")
# a key naming a credential, anywhere in the file
SECRET_KEY = re.compile(
    r"(?:^|[_-])(?:pass(?:word|wd)?|secret|token|api[_-]?key|credentials?|auth)(?:$|[_-])",
    re.IGNORECASE,
)
# a value that is one: a Telegram bot token, a URL with a password
SECRET_VALUE = re.compile(r"\b\d{6,12}:[A-Za-z0-9_-]{30,}\b|://[^/\s:@]+:[^/\s@]+@")
SECRET_HINT = (
    "credentials belong in the environment (NEWSMON_SMTP_PASSWORD, NEWSMON_TELEGRAM_TOKEN, "
    "NEWSMON_WEBHOOK_SECRET), never in watchlist.yaml"
)


class AlertRule(BaseModel):
    """One rule: which facts are hits, and the channels they go to."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    name: str = Field(min_length=1, max_length=200)
    entity: str | None = Field(None, min_length=1)
    person: str | None = Field(None, min_length=1)
    kind: Literal["akim", "amount", "program", "territory"] | None = None
    territory: str | None = Field(None, min_length=1)
    program: str | None = Field(None, min_length=1)
    min_amount: float | None = Field(None, ge=0)
    unit: str | None = Field(None, min_length=1, max_length=16)
    lang: Literal["ru", "kk"] | None = None
    since: date | None = None
    channels: list[Channel] = Field(min_length=1)
    note: str | None = None

    @model_validator(mode="after")
    def _criteria(self) -> AlertRule:
        if not any(getattr(self, c) is not None for c in CRITERIA):
            raise ValueError(f"a rule needs at least one of {', '.join(CRITERIA)}")
        if self.min_amount is not None and self.kind not in (None, "amount"):
            raise ValueError(f"min_amount applies to kind amount, not {self.kind}")
        if self.unit is not None and self.min_amount is None:
            raise ValueError("unit goes with min_amount")
        if len(set(self.channels)) != len(self.channels):
            raise ValueError("a channel is listed twice")
        return self

    def fact_kind(self) -> str | None:
        return "amount" if self.min_amount is not None else self.kind


@dataclass
class AlertConfig:
    """The rules of one watchlist file and the watchlist they may refer to."""

    path: Path | None
    rules: list[AlertRule]
    watchlist: Watchlist


def _walk(node: Any, where: str) -> Iterator[tuple[str, Any, Any]]:
    """(where, key, value) of every mapping entry and (where, None, value) of every scalar."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield where, key, value
            yield from _walk(value, f"{where}.{key}" if where else str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node, 1):
            yield from _walk(value, f"{where}[{i}]")
    else:
        yield where, None, node


def secret_problems(data: Any) -> list[str]:
    """Places in a loaded watchlist that hold credentials (keys or values)."""
    out = []
    for where, key, value in _walk(data, ""):
        if key is not None and isinstance(key, str) and SECRET_KEY.search(key):
            out.append(f"{where + ': ' if where else ''}field {key!r}: {SECRET_HINT}")
        elif key is None and isinstance(value, str) and SECRET_VALUE.search(value):
            out.append(
                f"{where}: holds a credential (a bot token or a URL password): {SECRET_HINT}"
            )
    return out


def _field(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "rule"


def parse_rules(data: Any, watchlist: Watchlist, where: str = "watchlist") -> list[AlertRule]:
    """The `alerts:` rules of a loaded watchlist; ConfigError names every problem by rule and field."""
    entries = data.get("alerts") if isinstance(data, dict) else None
    problems = secret_problems(data)
    rules: list[AlertRule] = []
    if entries is None:
        entries = []
    if not isinstance(entries, list):
        problems.append("alerts: must be a list of rules")
        entries = []
    seen: dict[str, str] = {}
    entity_names = {e.name for e in watchlist}
    for i, entry in enumerate(entries, 1):
        label = f"alerts[{i}]"
        if not isinstance(entry, dict):
            problems.append(f"{label}: must be a mapping with 'name', criteria and 'channels'")
            continue
        name = entry.get("name")
        if isinstance(name, str) and name.strip():
            label += f" {name.strip()!r}"
            if name.strip() in seen:
                problems.append(f"{label}: field 'name': already used by {seen[name.strip()]}")
                continue
            seen[name.strip()] = label
        if any(SECRET_KEY.search(str(k)) for k in entry):
            continue  # named above; the rule's other fields are not worth checking
        try:
            rule = AlertRule.model_validate(entry)
        except ValidationError as exc:
            for err in exc.errors():
                msg = str(err["msg"]).removeprefix("Value error, ")
                problems.append(f"{label}: field {_field(tuple(err['loc']))!r}: {msg}")
            continue
        if rule.entity is not None and rule.entity not in entity_names:
            try:
                watchlist.lookup(rule.entity)
            except NotFoundError as exc:  # its message suggests close names
                problems.append(f"{label}: field 'entity': {exc}")
                continue
        rules.append(rule)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ConfigError(
            f"{where}: {problems[0]}{more}" + "".join(f"\n  {p}" for p in problems[1:])
        )
    return rules


def load_alerts(path: Path | str | None = None, *, required: bool = True) -> AlertConfig | None:
    """Read watchlist.yaml (default ./watchlist.yaml) and its alert rules.

    With `required=False` a missing default file gives None (no alerts configured).
    """
    p = Path(path) if path else DEFAULT_FILE
    if not p.is_file() and path is None and not required:
        return None
    if not p.is_file():
        raise ConfigError(f"{p}: no such watchlist file (README 'Alerts' shows the format)")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{p}: not valid YAML{at}: {getattr(exc, 'problem', exc)}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{p}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    secrets = secret_problems(data)
    if secrets:  # before the watchlist's own checks, which would call them unknown keys
        more = f" (and {len(secrets) - 1} more)" if len(secrets) > 1 else ""
        raise ConfigError(f"{p}: {secrets[0]}{more}" + "".join(f"\n  {s}" for s in secrets[1:]))
    watchlist = parse_watchlist(data, p)
    return AlertConfig(p, parse_rules(data, watchlist, str(p)), watchlist)


# ---- matching -----------------------------------------------------------------------------------


def canonical_program(name: str, programs_file: Path | None = None) -> str:
    """The catalogue's canonical name of a programme named in either language (or `name` itself)."""
    from newsmon.nlp.programs import default_programs, name_key  # the catalogue and its key

    key = name_key(name)
    for program in default_programs(programs_file):
        if key in {name_key(n) for n in program.names()}:
            return program.name
    return name


def fact_filter(rule: AlertRule, since: date, programs_file: Path | None = None) -> FactFilter:
    """The `newsmon facts` filter of a rule's criteria (all but `entity`)."""
    return FactFilter(
        kind=rule.fact_kind(),
        since=rule.since or since,
        person=rule.person,
        program=canonical_program(rule.program, programs_file) if rule.program else None,
        territory=rule.territory,
        unit=(rule.unit or "KZT") if rule.min_amount is not None else None,
        min_value=rule.min_amount,
        lang=rule.lang,
    )


@dataclass(frozen=True)
class Candidate:
    fact_id: int
    key: str  # article:kind:start:end, stable across re-extraction


def fact_key(article_id: int, kind: str, start: int, end: int) -> str:
    return f"{article_id}:{kind}:{start}:{end}"


def matching_facts(
    session: Session,
    rule: AlertRule,
    watchlist: Watchlist,
    *,
    today: date,
    lookback_days: int,
    programs_file: Path | None = None,
) -> list[Candidate]:
    """The stored facts `rule` matches (published within the lookback, or since the rule's `since`)."""
    flt = fact_filter(rule, today - timedelta(days=lookback_days), programs_file)
    flt.validate()
    entity: Entity | None = watchlist.lookup(rule.entity) if rule.entity else None
    f = FACT_TABLE.c
    cols = [f.id, f.article_id, f.kind, f.start, f.end] + ([f.sentence] if entity else [])
    query = sa.select(*cols).where(*fact_conditions(session, flt)).order_by(f.id)
    out = []
    for row in session.execute(query.execution_options(yield_per=2000)):
        if entity is not None and not entity.find(row[5]):
            continue
        out.append(Candidate(int(row[0]), fact_key(row[1], row[2], row[3], row[4])))
    return out
