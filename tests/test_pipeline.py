"""The batch's stages one by one, and what run_batch promises before any worker starts."""

from __future__ import annotations

import csv
import dataclasses
import io
from pathlib import Path
from typing import Any

import pytest
from conftest import BATCH_DATE, FIXTURES, demo_ledger

from notice_factory import pipeline
from notice_factory.catalog import load_catalog
from notice_factory.errors import CaseFileError, UsageError
from notice_factory.ledger import Ledger
from notice_factory.model import Kind
from notice_factory.pipeline import (
    BatchOptions,
    number_stage,
    preflight_stage,
    render_stage,
    resolve_jobs,
    validate,
)
from notice_factory.settings import SenderProfile, load_sender_profile
from notice_factory.workers import Job


def _without_column(tmp_path: Path, column: str) -> Path:
    rows = list(csv.reader(io.StringIO(FIXTURES.joinpath("cases.csv").read_text("utf-8"))))
    i = rows[0].index(column)
    out = io.StringIO()
    csv.writer(out).writerows([r[:i] + r[i + 1:] for r in rows])
    path = tmp_path / "cases.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


@pytest.fixture
def no_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the worker pool was started before the case file was read")

    monkeypatch.setattr(pipeline, "start_pool", refuse)


@pytest.mark.usefixtures("no_pool")
def test_batch_with_a_missing_column_fails_before_any_worker_starts(tmp_path: Path) -> None:
    cases = _without_column(tmp_path, "postal_code")
    with pytest.raises(CaseFileError) as info:
        pipeline.run_batch(cases, tmp_path / "out", ledger_path=tmp_path / "ledger.sqlite",
                           batch_date=BATCH_DATE)
    assert "postal_code" in info.value.format_message()
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "ledger.sqlite").exists()


@pytest.mark.usefixtures("no_pool")
def test_render_with_a_missing_column_fails_before_any_worker_starts(tmp_path: Path) -> None:
    cases = _without_column(tmp_path, "currency")
    with pytest.raises(CaseFileError) as info:
        pipeline.render_letters(cases, tmp_path / "out", batch_date=BATCH_DATE)
    assert "currency" in info.value.format_message()


def test_jobs_has_one_meaning() -> None:
    assert resolve_jobs(0) == 0  # this process, in render and batch alike
    assert resolve_jobs(2) == 2
    assert resolve_jobs(None) == pipeline.default_jobs() >= 1
    with pytest.raises(UsageError):
        resolve_jobs(-1)


@pytest.fixture(scope="module")
def profile() -> SenderProfile:
    return load_sender_profile()


def _options(profile: SenderProfile, **changes: Any) -> BatchOptions:
    values: dict[str, Any] = dict(profile=profile, day=BATCH_DATE, workers=0, templates=None,
                                  letters_per_file=500, duplex=True, resend=False)
    values.update(changes)
    return BatchOptions(**values)


def test_preflight_rejects_what_cannot_exist_and_keeps_the_rest(profile: SenderProfile,
                                                                tmp_path: Path) -> None:
    read = validate(FIXTURES / "cases.csv", BATCH_DATE, False)
    tree = load_catalog()
    first = read.cases[0]
    too_long = dataclasses.replace(first, case_id="LONG-1", address_line1="x" * 200)
    checked = preflight_stage([*read.cases, too_long], tree, profile, BATCH_DATE)
    assert [c.case_id for c in checked.cases] == [c.case_id for c in read.cases]
    [reject] = checked.rejects
    assert reject.case_id == "LONG-1" and reject.row == first.row


def test_numbers_are_matched_by_letter_key(profile: SenderProfile, tmp_path: Path) -> None:
    read = validate(FIXTURES / "cases.csv", BATCH_DATE, False)
    registered = [c for c in read.cases if c.registered]
    with Ledger(demo_ledger(tmp_path / "ledger.sqlite")) as ledger:
        first = number_stage(ledger, list(reversed(read.cases)), _options(profile), "b-1")
        again = number_stage(ledger, read.cases, _options(profile), "b-2")
    assert set(first.numbers) == {c.letter_key for c in registered}
    assert first.new == len(registered) and first.reused == 0
    # Same letters in another order: each keeps its own number.
    assert again.numbers == first.numbers and again.reused == len(registered)


def test_render_stage_in_this_process_keys_every_outcome(profile: SenderProfile,
                                                         tmp_path: Path) -> None:
    read = validate(FIXTURES / "cases.csv", BATCH_DATE, False)
    cases = [c for c in read.cases if c.kind in (Kind.REMINDER, Kind.FORMAL_NOTICE)][:3]
    jobs = [Job(c, profile.entity(c.locale), BATCH_DATE, "", tmp_path / f"{c.letter_key}.pdf")
            for c in cases]
    seen: list[str] = []
    rendered = render_stage(jobs, 0, None, None, lambda n, total, key: seen.append(key))
    assert set(rendered.done) == {c.letter_key for c in cases} == set(seen)
    assert not rendered.failed
    for key, done in rendered.done.items():
        assert done.target == tmp_path / f"{key}.pdf" and done.target.is_file()
    assert sum(s["letters"] for s in rendered.engines.values()) == 3
    assert isinstance(rendered.first_letter, float)


def test_the_batch_fingerprints_each_letter_as_one_letter_alone() -> None:
    """The number stage makes the sender's part of the fingerprints once per locale (issue 16:
    it was most of the stage); every digest is the one letter_fingerprint gives the letter
    alone, and a change of sender still changes it."""
    from conftest import DEMO_CASES

    from notice_factory.ledger import LetterKey

    catalog, profile = load_catalog(), load_sender_profile()
    opts = pipeline.BatchOptions(profile=profile, day=BATCH_DATE, workers=0, templates=None,
                                 letters_per_file=500, duplex=True, resend=False)
    keys = {c.letter_key: LetterKey(c.case_id, c.kind.value, BATCH_DATE) for c in DEMO_CASES}
    got = pipeline._Claim(catalog, "folder").fingerprints(DEMO_CASES, opts, keys)
    for case in DEMO_CASES:
        spec, entity = catalog.template(case.locale, case.kind), profile.entity(case.locale)
        assert got[keys[case.letter_key]] == pipeline.letter_fingerprint(case, spec, entity)
    case = DEMO_CASES[0]
    spec, entity = catalog.template(case.locale, case.kind), profile.entity(case.locale)
    other = dataclasses.replace(entity, signatory="Quelqu'un d'autre")
    assert (pipeline.letter_fingerprint(case, spec, other)
            != pipeline.letter_fingerprint(case, spec, entity))
