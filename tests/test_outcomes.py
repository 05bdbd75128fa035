"""Legal outcome and effective notice date for every status path, in every locale."""

from __future__ import annotations

import datetime as dt

import pytest

from notice_factory.model import Locale
from notice_factory.outcomes import EFFECTIVE, Event, Outcome, Status, letter_outcome, rule_for

D = dt.date.fromisoformat
FR, CN, RO = Locale.FR_FR, Locale.ZH_CN, Locale.RO_RO

DEPOSIT = Event("2026-03-01T09:00:00+01:00", Status.DEPOSITED, code="PC1")
TRANSIT = Event("2026-03-01T18:00:00+01:00", Status.IN_TRANSIT, code="ET1")
NOTICE = Event("2026-03-02T10:00:00+01:00", Status.NOTICE_LEFT, code="A02")

# path -> (events, outcome, outcome date, presented on)
PATHS = {
    "delivered": ([DEPOSIT, TRANSIT, Event("2026-03-03", Status.DELIVERED, code="DI1")],
                  Outcome.DELIVERED, "2026-03-03", None),
    "ar_signed_after_delivery": (
        [DEPOSIT, Event("2026-03-09", Status.DELIVERED, Outcome.DELIVERED, "N01"),
         Event("2026-03-03", Status.DELIVERED, code="D01")],
        Outcome.DELIVERED, "2026-03-03", None),
    "refused_after_notice": (
        [DEPOSIT, NOTICE, Event("2026-03-10", Status.RETURNED, Outcome.PRESENTED_REFUSED, "P04")],
        Outcome.PRESENTED_REFUSED, "2026-03-10", "2026-03-02"),
    "refused_at_the_door": (
        [DEPOSIT, Event("2026-03-04", Status.RETURNED, Outcome.PRESENTED_REFUSED, "A16")],
        Outcome.PRESENTED_REFUSED, "2026-03-04", "2026-03-04"),
    "unclaimed": (
        [DEPOSIT, NOTICE, Event("2026-03-03", Status.AVAILABLE_FOR_PICKUP, code="P01"),
         Event("2026-03-18", Status.RETURNED, Outcome.PRESENTED_UNCLAIMED, "P03")],
        Outcome.PRESENTED_UNCLAIMED, "2026-03-18", "2026-03-02"),
    "address_unknown": (
        [DEPOSIT, Event("2026-03-05", Status.RETURNED, Outcome.NOT_PRESENTED_ADDRESS, "A23")],
        Outcome.NOT_PRESENTED_ADDRESS, "2026-03-05", None),
    "deceased": ([DEPOSIT, Event("2026-03-06", Status.RETURNED, Outcome.DECEASED, "N04")],
                 Outcome.DECEASED, "2026-03-06", None),
    "lost": ([DEPOSIT, Event("2026-03-20", Status.LOST, code="A13")],
             Outcome.LOST, "2026-03-20", None),
    "in_transit": ([DEPOSIT, TRANSIT], Outcome.PENDING, None, None),
    "no_event": ([], Outcome.PENDING, None, None),
}

# (path, locale) -> effective notice date; paths not listed have none in any locale.
EFFECTIVE_DATES = {
    ("delivered", FR): "2026-03-03", ("delivered", CN): "2026-03-03",
    ("delivered", RO): "2026-03-03",
    ("ar_signed_after_delivery", FR): "2026-03-03", ("ar_signed_after_delivery", CN): "2026-03-03",
    ("ar_signed_after_delivery", RO): "2026-03-03",
    # France: refused or unclaimed counts as presented, on the day of presentation.
    ("refused_after_notice", FR): "2026-03-02", ("refused_at_the_door", FR): "2026-03-04",
    ("unclaimed", FR): "2026-03-02",
    # China: 应当到达, dated on the return (conservative).
    ("refused_after_notice", CN): "2026-03-10", ("refused_at_the_door", CN): "2026-03-04",
    ("unclaimed", CN): "2026-03-18",
    # Romania: only a confirmare de primire dates a letter.
}


@pytest.mark.parametrize("locale", [FR, CN, RO], ids=lambda loc: loc.value)
@pytest.mark.parametrize("path", list(PATHS))
def test_outcome_and_effective_date(path: str, locale: Locale) -> None:
    events, outcome, when, presented = PATHS[path]
    result = letter_outcome(events, locale)
    assert result.outcome is outcome
    assert result.outcome_date == (D(when) if when else None)
    assert result.presented_on == (D(presented) if presented else None)
    expected = EFFECTIVE_DATES.get((path, locale))
    assert result.effective_date == (D(expected) if expected else None)
    assert result.source  # every answer, even "none", says why


@pytest.mark.parametrize("locale", [FR, CN, RO], ids=lambda loc: loc.value)
def test_import_order_does_not_matter(locale: Locale) -> None:
    events = PATHS["unclaimed"][0]
    forward = letter_outcome(events, locale)
    backward = letter_outcome(list(reversed(events)), locale)
    assert forward == backward
    assert forward.last_event is not None and forward.last_event.code == "P03"


def test_returned_without_reason_is_pending_and_asks_for_the_reason() -> None:
    result = letter_outcome([DEPOSIT, Event("2026-03-05", Status.RETURNED, code="RE1",
                                            label="Retourné à l'expéditeur")], FR)
    assert result.outcome is Outcome.PENDING
    assert "without a reason" in result.attention and "RE1" not in result.attention


def test_a_reason_arriving_after_the_return_settles_it() -> None:
    events = [Event("2026-03-05", Status.RETURNED, code="A19"),
              Event("2026-03-09", Status.RETURNED, Outcome.DECEASED, "N04")]
    assert letter_outcome(events, FR).outcome is Outcome.DECEASED


def test_every_locale_has_a_sourced_rule_for_every_outcome() -> None:
    for locale in Locale:
        assert locale in EFFECTIVE
        for outcome in Outcome:
            assert rule_for(locale, outcome).source.strip()
