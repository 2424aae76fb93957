"""Send each rule's new hits, once per rule and channel, batched into one message per run.

For every rule and channel: the matching facts not recorded yet are written to `alert_delivery` as
`pending` (committed) before anything is sent; then every pending hit of the rule and channel (new
ones and those a failed run left) goes out in one message, and only after the channel accepted it are
they marked `sent`. So a rerun sends nothing twice, a failed channel keeps its hits for the next run,
and a crash between the send and the record loses nothing: the next run sends that one batch again
(the same `X-Newsmon-Delivery` id), at most one duplicate.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from newsmon.alerts.channels import DeliveryError, Message, Sender, Sleep, channel_from_settings
from newsmon.alerts.messages import batch_message
from newsmon.alerts.rules import AlertConfig, AlertRule, matching_facts
from newsmon.errors import ConfigError, NewsmonError
from newsmon.query.dates import ALMATY
from newsmon.query.facts import evidence_spans, facts_by_ids
from newsmon.settings import Settings
from newsmon.store.db import get_engine, open_session
from newsmon.store.models import AlertDelivery, Fact, utcnow

log = logging.getLogger(__name__)
Say = Callable[[str], None]
CHUNK = 500  # ids per UPDATE … IN (…)
LOCK_KEY = 7316215  # PostgreSQL advisory lock of a sending run
_D: sa.Table = AlertDelivery.__table__  # type: ignore[attr-defined]
_F: sa.Table = Fact.__table__  # type: ignore[attr-defined]


@dataclass
class Batch:
    """One rule × channel in one run."""

    rule: str
    channel: str
    new: int = 0  # hits recorded in this run
    pending: int = 0  # hits the message carried (new and left from earlier runs)
    sent: int = 0
    error: str | None = None
    message: Message | None = None  # kept for --dry-run

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule,
            "channel": self.channel,
            "new": self.new,
            "pending": self.pending,
            "sent": self.sent,
            "error": self.error,
        }
        if self.message is not None:
            out["message"] = {"subject": self.message.subject, "text": self.message.text}
        return out


@dataclass
class AlertReport:
    dry_run: bool = False
    batches: list[Batch] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # rules that could not be matched
    busy: bool = False  # another run was sending: this one sent nothing (not a failure)

    @property
    def failed(self) -> bool:
        return bool(self.errors) or any(b.error for b in self.batches)

    def summary(self) -> list[str]:
        lines = []
        for b in self.batches:
            if b.error and self.dry_run:
                lines.append(
                    f"alerts: {b.rule} → {b.channel}: {b.pending} hits, NOT sendable: {b.error}"
                )
            elif b.error:
                lines.append(
                    f"alerts: {b.rule} → {b.channel}: FAILED, {b.pending} hits stay pending "
                    f"for the next run: {b.error}"
                )
            elif self.dry_run:
                lines.append(
                    f"alerts: {b.rule} → {b.channel}: would send {b.pending} hits ({b.new} new)"
                )
            else:
                lines.append(f"alerts: {b.rule} → {b.channel}: {b.sent} hits sent ({b.new} new)")
        lines += [f"alerts: {e}" for e in self.errors]
        if self.busy:
            lines.append("alerts: another run is sending alerts now; this one sent nothing")
        return lines or ["alerts: no rules"]

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "failed": self.failed,
            "batches": [b.as_dict() for b in self.batches],
            "errors": self.errors,
            "busy": self.busy,
        }


@contextlib.contextmanager
def sending_lock(database_url: str) -> Iterator[bool]:
    """One sending run per database at a time (yields False when another holds it): a file lock
    beside SQLite, an advisory lock on PostgreSQL. Without it two runs could both send new hits."""
    engine = get_engine(database_url)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            got = bool(conn.execute(sa.text(f"SELECT pg_try_advisory_lock({LOCK_KEY})")).scalar())
            conn.commit()
            try:
                yield got
            finally:
                if got:
                    conn.execute(sa.text(f"SELECT pg_advisory_unlock({LOCK_KEY})"))
                    conn.commit()
        return
    with open(f"{engine.url.database}.alerts-lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def senders_for(
    rules: Sequence[AlertRule], settings: Settings, sleep: Sleep = time.sleep
) -> dict[str, Sender]:
    """The channels the rules use, configured; ConfigError names each missing one and its rules."""
    senders: dict[str, Sender] = {}
    problems = []
    for name in dict.fromkeys(c for r in rules for c in r.channels):
        try:
            senders[name] = channel_from_settings(name, settings, sleep=sleep)
        except ConfigError as exc:
            users = ", ".join(repr(r.name) for r in rules if name in r.channels)
            problems.append(f"{exc} (rules {users})")
    if problems:
        raise ConfigError("\n".join(problems))
    return senders


def _insert(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    return (
        postgresql.insert(_D) if dialect == "postgresql" else sqlite.insert(_D)
    ).on_conflict_do_nothing(index_elements=["rule", "channel", "fact_id"])


def _record(
    session: Session, rule: AlertRule, channel: str, candidates: Sequence[Any], write: bool
) -> tuple[int, list[int]]:
    """Record the rule's new hits for `channel` as pending; (how many were new, every pending id).

    Only the records of these candidates are read (the lookback window), not the rule's history.
    """
    mine = (_D.c.rule == rule.name, _D.c.channel == channel)
    ids: set[int] = set()
    keys: set[str] = set()
    for i in range(0, len(candidates), CHUNK):
        part = candidates[i : i + CHUNK]
        for fact_id, key in session.execute(
            sa.select(_D.c.fact_id, _D.c.fact_key).where(
                *mine,
                sa.or_(
                    _D.c.fact_id.in_([c.fact_id for c in part]),
                    _D.c.fact_key.in_([c.key for c in part]),
                ),
            )
        ):
            ids.add(int(fact_id))
            keys.add(str(key))
    pending = {
        int(i)
        for i in session.execute(
            sa.select(_D.c.fact_id).where(*mine, _D.c.status == "pending")
        ).scalars()
    }
    new = [c for c in candidates if c.fact_id not in ids and c.key not in keys]
    if write and new:
        now = utcnow()
        for i in range(0, len(new), CHUNK):
            session.execute(
                _insert(session),
                [
                    {
                        "rule": rule.name,
                        "channel": channel,
                        "fact_id": c.fact_id,
                        "fact_key": c.key,
                        "status": "pending",
                        "attempts": 0,
                        "created": now,
                    }
                    for c in new[i : i + CHUNK]
                ],
            )
        session.commit()
    return len(new), sorted(pending | {c.fact_id for c in new})


def _mark(
    session: Session, rule: str, channel: str, ids: Sequence[int], values: dict[str, Any]
) -> None:
    for i in range(0, len(ids), CHUNK):
        session.execute(
            _D.update()
            .where(
                _D.c.rule == rule,
                _D.c.channel == channel,
                _D.c.status == "pending",
                _D.c.fact_id.in_(list(ids[i : i + CHUNK])),
            )
            .values(attempts=_D.c.attempts + 1, **values)
        )
    session.commit()


def _drop_vanished(session: Session) -> None:
    """Pending hits whose fact was replaced by re-extraction: the new fact becomes the hit."""
    session.execute(
        _D.delete().where(
            _D.c.status == "pending",
            ~_D.c.fact_id.in_(sa.select(_F.c.id)),
        )
    )
    session.commit()


def _facts(session: Session, ids: Sequence[int]) -> list[dict[str, Any]]:
    facts = facts_by_ids(session, ids)
    rows = session.execute(sa.select(_F.c.id, _F.c.article_id).where(_F.c.id.in_(list(ids))))
    articles: dict[int, int] = {int(r[0]): int(r[1]) for r in rows}
    marks = evidence_spans(session, ids)
    for f in facts:
        f["article_id"] = articles.get(f["id"])
        f["mark"] = marks.get(f["id"])
    return facts


def deliver_alerts(
    config: AlertConfig,
    settings: Settings,
    *,
    database_url: str | None = None,
    dry_run: bool = False,
    today: date | None = None,
    sleep: Sleep = time.sleep,
    say: Say | None = None,
) -> AlertReport:
    """Match every rule, record its new hits, send one message per rule and channel (see module doc).

    ConfigError (before anything is recorded) when a rule names a channel the settings do not configure;
    a dry run names it in that batch's error instead.
    """
    report = AlertReport(dry_run=dry_run)
    if not config.rules:
        return report
    url = database_url or settings.database_url
    if dry_run:  # shows the messages before any channel is set up; an unset one is named per batch
        return _deliver(config, settings, {}, url, report, today, say)
    senders = senders_for(config.rules, settings, sleep)
    with sending_lock(url) as got:
        if not got:
            report.busy = True
            return report
        return _deliver(config, settings, senders, url, report, today, say)


def _deliver(
    config: AlertConfig,
    settings: Settings,
    senders: dict[str, Sender],
    url: str,
    report: AlertReport,
    today: date | None,
    say: Say | None,
) -> AlertReport:
    dry_run = report.dry_run
    day = today or datetime.now(ALMATY).date()
    since = day - timedelta(days=settings.alerts_lookback_days)
    session = open_session(url)
    try:
        batches: list[tuple[AlertRule, Batch, list[int]]] = []
        if not dry_run:
            # records of facts replaced by a re-extraction go first, so the replacing fact (same key)
            # is recorded as pending in this run, not one run later
            _drop_vanished(session)
        for rule in config.rules:
            try:
                candidates = matching_facts(
                    session,
                    rule,
                    config.watchlist,
                    today=day,
                    lookback_days=settings.alerts_lookback_days,
                    programs_file=settings.programs_file,
                )
            except NewsmonError as exc:
                report.errors.append(f"rule {rule.name!r}: {exc}")
                continue
            for channel in rule.channels:
                new, pending = _record(session, rule, channel, candidates, write=not dry_run)
                batches.append((rule, Batch(rule.name, channel, new=new), pending))
        for rule, batch, pending in batches:
            if not dry_run:  # what is pending now (facts replaced meanwhile are gone)
                pending = [
                    int(i)
                    for i in session.execute(
                        sa.select(_D.c.fact_id)
                        .where(
                            _D.c.rule == rule.name,
                            _D.c.channel == batch.channel,
                            _D.c.status == "pending",
                        )
                        .order_by(_D.c.fact_id)
                    ).scalars()
                ]
            batch.pending = len(pending)
            report.batches.append(batch)
            if not pending:
                continue
            message = batch_message(
                rule,
                batch.channel,
                _facts(session, pending[: settings.alerts_max_hits]),
                len(pending),
                pending,
                public_url=settings.public_url,
                since=rule.since or since,
                lang=settings.alerts_lang,
                programs_file=settings.programs_file,
            )
            if dry_run:
                batch.message = message
                try:
                    channel_from_settings(batch.channel, settings)
                except ConfigError as exc:
                    batch.error = str(exc)
                continue
            try:
                senders[batch.channel].send(message)
            except DeliveryError as exc:
                batch.error = str(exc)
                _mark(session, rule.name, batch.channel, pending, {"last_error": str(exc)[:2000]})
            else:
                _mark(
                    session,
                    rule.name,
                    batch.channel,
                    pending,
                    {"status": "sent", "sent_at": utcnow(), "last_error": None},
                )
                batch.sent = len(pending)
            if say:
                say(report.summary()[len(report.batches) - 1])
    finally:
        session.close()
    return report


def delivery_counts(session: Session) -> dict[tuple[str, str, str], int]:
    """(rule, channel, status) → hits recorded (for status output and tests)."""
    rows = session.execute(
        sa.select(_D.c.rule, _D.c.channel, _D.c.status, sa.func.count()).group_by(
            _D.c.rule, _D.c.channel, _D.c.status
        )
    ).all()
    return {(r[0], r[1], r[2]): int(r[3]) for r in rows}
