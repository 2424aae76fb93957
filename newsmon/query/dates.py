"""Days and times of the query API: days are Asia/Almaty days, stored times UTC, output ISO 8601 in Almaty."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from newsmon.errors import DateRangeError, InputError

ALMATY = ZoneInfo("Asia/Almaty")


# the dates a filter may name: every day ± a few years of windows stays a valid datetime in every
# time zone and on both databases (0001-01-01 and 9999-12-31 overflow when shifted to UTC or by a day)
MIN_DAY = date(1900, 1, 1)
MAX_DAY = date(2999, 12, 31)


def parse_day(value: str | None, option: str) -> date | None:
    """YYYY-MM-DD between MIN_DAY and MAX_DAY, or InputError (DateRangeError) naming the option."""
    if value is None:
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(f"{option} must be a date as YYYY-MM-DD, not {value!r}") from None
    if not MIN_DAY <= day <= MAX_DAY:
        raise DateRangeError(f"{option} must be a date between {MIN_DAY} and {MAX_DAY}, not {day}")
    return day


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, ALMATY).astimezone(UTC)


def iso_time(when: datetime | None) -> str | None:
    """An aware datetime as ISO 8601 in Asia/Almaty (how every output writes times)."""
    return when.astimezone(ALMATY).isoformat() if when else None


def bind_time(session: Session, when: datetime) -> Any:
    """`when` as a raw-SQL parameter comparable with stored UTC columns on this backend."""
    if session.get_bind().dialect.name == "sqlite":
        return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return when


def as_utc(value: Any) -> datetime | None:
    if value is None:
        return None
    when: datetime = datetime.fromisoformat(value) if isinstance(value, str) else value
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
