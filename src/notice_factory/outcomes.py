"""After dispatch: the two levels of status, and the legal outcome of a registered letter.

Each carrier event gets a *logistics status* (:class:`Status`, what happened to the envelope);
each letter gets one *legal outcome* (:class:`Outcome`) with its date, and, per locale, the
*effective notice date* the law gives that outcome (see ``docs/after-dispatch.md`` for the
sources). Nothing here reads files or the ledger: events in, outcome out.

>>> ev = [Event("2026-03-02", Status.NOTICE_LEFT), Event("2026-03-18", Status.RETURNED,
...        Outcome.PRESENTED_UNCLAIMED)]
>>> fr = letter_outcome(ev, Locale.FR_FR)
>>> fr.outcome.value, fr.outcome_date.isoformat(), fr.effective_date.isoformat()
('presented_unclaimed', '2026-03-18', '2026-03-02')
>>> letter_outcome(ev, Locale.RO_RO).effective_date is None
True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from notice_factory.model import Locale


class Status(StrEnum):
    """The logistics status of one carrier event (what happened to the envelope), as the
    carrier code tables read each code.

    >>> Status("delivered") is Status.DELIVERED, Status.AVAILABLE_FOR_PICKUP.value
    (True, 'available_for_pickup')
    """

    DEPOSITED = "deposited"
    IN_TRANSIT = "in_transit"
    NOTICE_LEFT = "notice_left"
    AVAILABLE_FOR_PICKUP = "available_for_pickup"
    DELIVERED = "delivered"
    RETURNED = "returned"
    EXCEPTION = "exception"
    LOST = "lost"


class Outcome(StrEnum):
    """The legal outcome of one letter: set by the carrier's final word, drives the ladder
    (``LetterLine.outcome`` of a :class:`~notice_factory.trackreport.TrackingReport`).

    >>> [o.value for o in Outcome][:3]
    ['delivered', 'presented_refused', 'presented_unclaimed']
    """

    DELIVERED = "delivered"
    PRESENTED_REFUSED = "presented_refused"
    PRESENTED_UNCLAIMED = "presented_unclaimed"
    NOT_PRESENTED_ADDRESS = "not_presented_address"
    DECEASED = "deceased"
    LOST = "lost"
    PENDING = "pending"

    @property
    def final(self) -> bool:
        return self is not Outcome.PENDING


class Basis(StrEnum):
    """Which date of the letter's history the law takes as its effective notice date."""

    EVENT = "event"  # the date of the final event itself (delivery, signature of the AR)
    PRESENTATION = "presentation"  # the first presentation (notice left), else the final event
    RETURN = "return"  # the date the carrier recorded the return (conservative)


@dataclass(frozen=True)
class Rule:
    """How one locale's law dates one outcome; ``basis`` None: the letter has no legal effect."""

    basis: Basis | None
    source: str


_FR_PRESENTED = ("Cass. 1re civ. 20 janv. 2021, n° 19-20.680: a mise en demeure refused or not "
                 "claimed still counts, on the date of presentation (avis de passage)")
_CN_ARRIVED = ("最高人民法院《关于审理民事案件适用诉讼时效制度若干问题的规定》第8条 (2020): "
               "到达或者应当到达; dated on the return (退回之日, cf. 法院专递规定 第11条), the "
               "conservative reading")
_RO_RECEIPT = ("C. civ. art. 1522 and CPC art. 1015: proof of communication, confirmare de "
               "primire; a refused or unclaimed letter gives no receipt date: serve it through "
               "an executor judecătoresc")
_NO_ADDRESS = "a letter never presented at the debtor's address has no legal effect"

EFFECTIVE: Mapping[Locale, Mapping[Outcome, Rule]] = {
    Locale.FR_FR: {
        Outcome.DELIVERED: Rule(Basis.EVENT, "C. civ. art. 1344: avis de réception signé"),
        Outcome.PRESENTED_REFUSED: Rule(Basis.PRESENTATION, _FR_PRESENTED),
        Outcome.PRESENTED_UNCLAIMED: Rule(Basis.PRESENTATION, _FR_PRESENTED),
        Outcome.NOT_PRESENTED_ADDRESS: Rule(None, "CA Nouméa 13 mai 2024, RG 20/00299: "
                                                  + _NO_ADDRESS),
    },
    Locale.ZH_CN: {
        Outcome.DELIVERED: Rule(Basis.EVENT, "民法典 第137条: 到达相对人时生效"),
        Outcome.PRESENTED_REFUSED: Rule(Basis.RETURN, _CN_ARRIVED),
        Outcome.PRESENTED_UNCLAIMED: Rule(Basis.RETURN, _CN_ARRIVED),
        Outcome.NOT_PRESENTED_ADDRESS: Rule(None, "查无此人: 未到达, " + _NO_ADDRESS),
    },
    Locale.RO_RO: {
        Outcome.DELIVERED: Rule(Basis.EVENT, "C. civ. art. 1522; CPC art. 1015: confirmare de "
                                             "primire"),
        Outcome.PRESENTED_REFUSED: Rule(None, _RO_RECEIPT),
        Outcome.PRESENTED_UNCLAIMED: Rule(None, _RO_RECEIPT),
        Outcome.NOT_PRESENTED_ADDRESS: Rule(None, "C. civ. art. 1522: " + _NO_ADDRESS),
    },
}
_NO_EFFECT: Mapping[Outcome, Rule] = {
    Outcome.DECEASED: Rule(None, "the addressee died: the claim goes to the estate"),
    Outcome.LOST: Rule(None, "a lost letter was never presented: send it again"),
    Outcome.PENDING: Rule(None, "no final word from the carrier yet"),
}


def rule_for(locale: Locale, outcome: Outcome) -> Rule:
    """The locale's rule for an outcome.

    >>> rule_for(Locale.FR_FR, Outcome.PRESENTED_REFUSED).basis
    <Basis.PRESENTATION: 'presentation'>
    >>> rule_for(Locale.ZH_CN, Outcome.LOST).basis is None
    True
    """
    return EFFECTIVE[locale].get(outcome) or _NO_EFFECT[outcome]


@dataclass(frozen=True)
class Event:
    """One carrier event as the outcome logic needs it.

    ``at`` is the carrier's own ISO date or date-time (its local day is the event's day);
    ``outcome`` is the legal outcome the carrier's code (or reason) states, if any.
    """

    at: str
    status: Status
    outcome: Outcome | None = None
    code: str = ""
    label: str = ""

    @property
    def day(self) -> dt.date:
        return dt.date.fromisoformat(self.at[:10])

    @property
    def final_outcome(self) -> Outcome | None:
        if self.outcome is not None:
            return self.outcome
        return {Status.DELIVERED: Outcome.DELIVERED, Status.LOST: Outcome.LOST}.get(self.status)


@dataclass(frozen=True)
class LetterOutcome:
    """One letter's legal outcome, its dates and why."""

    outcome: Outcome
    outcome_date: dt.date | None  # the day of the carrier's final word
    presented_on: dt.date | None  # the first presentation, for refused / unclaimed letters
    effective_date: dt.date | None  # the effective notice date in the letter's locale
    source: str  # the legal source of the effective date (or of its absence)
    last_event: Event | None
    attention: str = ""  # what a clerk must do, when the carrier's word is not enough


def chronological(events: Iterable[Event]) -> list[Event]:
    """Events in the carrier's order, whatever order they were imported in (stable)."""
    return sorted(events, key=lambda e: (e.day, e.at[10:]))


def _final(events: Sequence[Event]) -> Event | None:
    finals = [e for e in events if e.final_outcome is not None]
    delivered = [e for e in finals if e.final_outcome is Outcome.DELIVERED]
    if delivered:  # a delivered letter stays delivered; the first delivery is the date
        return delivered[0]
    return finals[-1] if finals else None


def _presentation(events: Sequence[Event], final: Event) -> dt.date:
    shown = [e.day for e in events if e.status in (Status.NOTICE_LEFT,
                                                   Status.AVAILABLE_FOR_PICKUP)]
    return min([*shown, final.day]) if shown else final.day


def letter_outcome(events: Iterable[Event], locale: Locale) -> LetterOutcome:
    """The legal outcome of a letter from its events (any order), under ``locale``'s law."""
    ordered = chronological(events)
    last = ordered[-1] if ordered else None
    final = _final(ordered)
    if final is None:
        attention = ""
        if last is not None and last.status in (Status.RETURNED, Status.EXCEPTION):
            attention = (f"the carrier reports '{last.label or last.code}' without a reason: "
                         "read the returned envelope or AR card and import its reason code")
        return LetterOutcome(Outcome.PENDING, None, None, None,
                             _NO_EFFECT[Outcome.PENDING].source, last, attention)
    outcome = final.final_outcome
    assert outcome is not None
    presented = None
    if outcome in (Outcome.PRESENTED_REFUSED, Outcome.PRESENTED_UNCLAIMED):
        presented = _presentation(ordered, final)
    rule = rule_for(locale, outcome)
    effective = {None: None, Basis.EVENT: final.day, Basis.RETURN: final.day,
                 Basis.PRESENTATION: presented}[rule.basis]
    return LetterOutcome(outcome, final.day, presented, effective, rule.source, last)
