"""E-reporting periods: the calendar of the CAE's transmissions follows its VAT regime.

Source: CGI art. 290 (transactions) and 290 A (payment data), whose frequencies are set by decree
(décret n° 2022-1299 du 7 octobre 2022 as amended); the three calendars used here are those of
the DGFiP external specifications as summarised in the issue: per decade (1–10, 11–20, 21–end of
month) under the normal regime with monthly VAT returns, monthly, or every two months (calendar
pairs of months). The exact article of the decree was not checked against Légifrance from here:
docs/einvoicing.md says so. The calendars are data here (`CALENDARS`); the CAE's choice is effective-dated
(`ReportingFrequency`)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from .models import ReportingFrequency

DEFAULT_FREQUENCY = ReportingFrequency.Frequency.MONTHLY
# frequency -> the first days of its periods within a month, or None for multi-month periods
CALENDARS: dict[str, tuple[int, ...] | None] = {"decade": (1, 11, 21), "monthly": (1,), "bimonthly": None}


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    def __str__(self) -> str:
        return f"du {self.start:%d/%m/%Y} au {self.end:%d/%m/%Y}"


def frequency_on(day: date) -> str:
    row = ReportingFrequency.objects.filter(valid_from__lte=day).order_by("-valid_from").first()
    return row.frequency if row else DEFAULT_FREQUENCY


def period_containing(day: date, frequency: str) -> Period:
    last = calendar.monthrange(day.year, day.month)[1]
    starts = CALENDARS[frequency]
    if starts is None:  # two calendar months: January–February, March–April…
        first_month = day.month - (day.month - 1) % 2
        end_month = first_month + 1
        return Period(date(day.year, first_month, 1),
                      date(day.year, end_month, calendar.monthrange(day.year, end_month)[1]))
    start = max(s for s in starts if s <= day.day)
    following = [s for s in starts if s > start]
    end = following[0] - 1 if following else last
    return Period(date(day.year, day.month, start), date(day.year, day.month, end))


def periods_between(first: date, last: date) -> list[Period]:
    """The periods that cover `first`..`last`, each under the frequency in force at its start."""
    result: list[Period] = []
    day = first
    while day <= last:
        period = period_containing(day, frequency_on(day))
        result.append(period)
        day = period.end + timedelta(days=1)
    return result
