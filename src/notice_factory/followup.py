"""Where each letter that went out stands: its events, legal outcome, effective notice date and
the deadline that runs from it. One home for that reading, shared by ``tracking report`` and
``escalate``.

The deadline is the effective notice date plus the kind's default number of days in the
letter's locale (the days the letter gives the debtor); counting from the effective date, not
the letter date, never ends it early (a letter presented on the 5th gives its days from the 5th).
A letter's locale is its operator's country (the S10 suffix: FR, CN, RO) unless the caller
knows better (``escalate`` passes the case's locale); a number of another country is read
under French law.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from notice_factory.ledger import Ledger, NumberRecord
from notice_factory.model import Kind, Locale
from notice_factory.outcomes import (
    Event,
    LetterOutcome,
    Outcome,
    Status,
    chronological,
    letter_outcome,
)
from notice_factory.rules import DEFAULT_DEADLINE_DAYS

_BY_COUNTRY = {loc.country: loc for loc in Locale}

STALE_DAYS = 30
"""Days after the letter date without a final outcome before a letter is flagged (ask the
carrier); AfterShip calls a tracking "Expired" after 30 days without news."""


def locale_of(record: NumberRecord) -> Locale | None:
    """The locale whose law the letter's outcome is read under, from its number's country."""
    return _BY_COUNTRY.get(record.number[-2:])


def deadline_days(locale: Locale, kind: str) -> int | None:
    try:
        return DEFAULT_DEADLINE_DAYS[locale][Kind(kind)]
    except (KeyError, ValueError):
        return None


@dataclass(frozen=True)
class LetterState:
    record: NumberRecord
    locale: Locale | None
    events: list[Event]
    result: LetterOutcome
    deadline: dt.date | None

    @property
    def outcome(self) -> Outcome:
        return self.result.outcome

    def days_out(self, today: dt.date) -> int:
        """Days since the letter date."""
        return (today - self.record.letter_date).days


def letter_state(ledger: Ledger, record: NumberRecord,
                 locale: Locale | None = None) -> LetterState:
    where = locale or locale_of(record) or Locale.FR_FR
    events = [
        Event(e.event_at, Status(e.status), Outcome(e.outcome) if e.outcome else None,
              e.code, e.label)
        for e in ledger.carrier_events(record.number)
    ]
    result = letter_outcome(events, where)
    days = deadline_days(where, record.kind)
    deadline = None
    if result.effective_date is not None and days is not None:
        deadline = result.effective_date + dt.timedelta(days=days)
    return LetterState(record, locale or locale_of(record), chronological(events), result,
                       deadline)
