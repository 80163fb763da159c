"""Dates as archives write them: ISO dates and datetimes, and 2019年11月20日."""

from __future__ import annotations

import datetime as dt
import re

_CHINESE = re.compile(r"^\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})")
_COMPACT = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})\s*$")


def parse_date(value: object) -> dt.date | None:
    """The calendar date in value, or None when there is none to read (caller warns); a JSON
    number such as 20191120 reads as the string "20191120" does."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        return None
    for pattern in (_ISO_DATE, _CHINESE, _COMPACT):
        match = pattern.match(value)
        if match:
            try:
                return dt.date(*(int(g) for g in match.groups()))
            except ValueError:
                return None
    return None


def day_number(day: dt.date | None) -> int | None:
    """20191120 for 2019-11-20: the sortable, rangeable form of a date in the index."""
    return day.year * 10000 + day.month * 100 + day.day if day else None
