"""A real ledger with letters that went out, without rendering them (tracking and escalation
tests); the full cycle with real batches is in test_after_dispatch_cycle.py."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from notice_factory.ledger import Ledger, LetterKey, init_ledger
from notice_factory.model import Locale
from notice_factory.settings import load_sender_profile


def send(ledger: Ledger, locale: Locale, case_id: str, kind: str, day: dt.date,
         batch_id: str = "b-1") -> str:
    """Number a letter with the demo profile's operator for ``locale`` and mark it used."""
    postal = load_sender_profile().entity(locale).postal
    key = LetterKey(case_id, kind, day)
    number = ledger.allocate([key], postal, batch_id)[key]
    ledger.mark_used([number])
    return number


def open_ledger(folder: Path) -> Ledger:
    """A new ledger serving the demo profile's ranges, as `ledger init` makes it."""
    clock = lambda: dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)  # noqa: E731
    path = folder / "ledger.sqlite"
    init_ledger(path, [e.postal for e in load_sender_profile().entities.values()], clock=clock)
    return Ledger(path, clock=clock)
