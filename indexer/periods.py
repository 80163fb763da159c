"""Documents counted by month or year from their day numbers (20191120), at array speed: the
periods from the first to the last dated item of a set, each with how many of the set fall in
it, undated items apart. Shared by trends and the sparkline of a search."""

from __future__ import annotations

import calendar
import datetime as dt
import weakref
from dataclasses import dataclass

import numpy as np

from .errors import QueryError
from .limits import MAX_TREND_PERIODS
from .results import Sparkline
from .snapshot import Snapshot

PERIODS = ("month", "year")
# Spans longer than this many months are shown by year unless the reader asks for months.
MONTHS_BY_DEFAULT = 60


def check_period(period: str | None) -> None:
    """Refuse a period other than month, year or none (the default by span)."""
    if period not in (None, *PERIODS):
        raise QueryError(
            f"时间单位只能是 month（月）或 year（年），不能是「{period}」(unknown period)"
        )


def period_numbers(days: np.ndarray, period: str) -> np.ndarray:
    """Each day's period as one number that counts up by one per period (year * 12 + month - 1
    for months, the year for years); undated days (0) give -1."""
    years = days // 10000
    numbers = years * 12 + (days // 100 % 100) - 1 if period == "month" else years
    return np.where(days > 0, numbers, -1)


@dataclass(frozen=True)
class Timeline:
    """Every period from the first to the last dated item of a set (the items a trend is a
    share of), with the number of those items in each, and how many are undated."""

    period: str
    first: int  # period number of the first period (see period_numbers)
    items: np.ndarray  # items of the set in each period
    undated: int

    @classmethod
    def of(cls, days: np.ndarray, period: str | None) -> Timeline:
        """The timeline of a set given its items' day numbers; period None: by month unless
        the dated items span more than MONTHS_BY_DEFAULT months."""
        check_period(period)
        months = period_numbers(days, "month")
        dated = months[months >= 0]
        if period is None:
            spread = int(dated.max() - dated.min()) if len(dated) else 0
            period = "year" if spread > MONTHS_BY_DEFAULT else "month"
        numbers = period_numbers(days, period)
        numbers = numbers[numbers >= 0]
        if not len(numbers):
            return cls(period, 0, np.zeros(0, dtype=np.int64), len(days))
        first = int(numbers.min())
        if int(numbers.max()) - first + 1 > MAX_TREND_PERIODS:
            raise QueryError(
                f"时间跨度超过 {MAX_TREND_PERIODS} 个{'月' if period == 'month' else '年'}，"
                "请按年查看或缩小日期范围 (too many periods)"
            )
        return cls(period, first, np.bincount(numbers - first), len(days) - len(numbers))

    def count(self, days: np.ndarray) -> tuple[np.ndarray, int]:
        """How many of some items (a subset of the set's) fall in each period, and how many of
        them are undated."""
        numbers = period_numbers(days, self.period)
        dated = numbers[numbers >= 0] - self.first
        counts = np.bincount(dated, minlength=len(self.items))[: len(self.items)]
        return counts, len(days) - len(dated)

    def label(self, at: int) -> str:
        """The at-th period as a reader writes it: 2022-03, or 2022."""
        number = self.first + at
        return str(number) if self.period == "year" else f"{number // 12:04d}-{number % 12 + 1:02d}"

    def bounds(self, at: int) -> tuple[dt.date, dt.date]:
        """The first and last day of the at-th period."""
        number = self.first + at
        if self.period == "year":
            return dt.date(number, 1, 1), dt.date(number, 12, 31)
        year, month = number // 12, number % 12 + 1
        return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])

    def shares(self, counts: np.ndarray) -> list[float | None]:
        """Each period's count as a share of the set's items of that period (None: none)."""
        items = self.items
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(items > 0, counts / np.maximum(items, 1), np.nan)
        return [None if np.isnan(r) else round(float(r), 6) for r in ratio]


# Timelines of every live item, per snapshot and period asked: every unfiltered search's
# sparkline asks for the same one (0.7 ms to build at 24k items).
_LIVE: weakref.WeakKeyDictionary[Snapshot, dict[str | None, Timeline]] = weakref.WeakKeyDictionary()


def timeline_of(snapshot: Snapshot, within: np.ndarray | None, period: str | None) -> Timeline:
    """The timeline of the items a trend is a share of: those the request's filters allow,
    or every live item (remembered for the snapshot)."""
    if within is not None:
        return Timeline.of(snapshot.days()[within], period)
    kept = _LIVE.setdefault(snapshot, {})
    if period not in kept:
        kept[period] = Timeline.of(snapshot.days()[snapshot.live()], period)
    return kept[period]


def sparkline(snapshot: Snapshot, within: np.ndarray | None, ids: np.ndarray) -> Sparkline:
    """A search's matches by period (by span), as counts and shares: the small chart beside
    its total, from the documents it already found."""
    timeline = timeline_of(snapshot, within, None)
    counts, undated = timeline.count(snapshot.days()[ids])
    last = max(len(timeline.items) - 1, 0)
    return {
        "period": timeline.period,
        "first": timeline.label(0) if len(timeline.items) else None,
        "last": timeline.label(last) if len(timeline.items) else None,
        "counts": counts.tolist(),
        "shares": timeline.shares(counts),
        "undated": undated,
    }
