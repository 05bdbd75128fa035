"""The one orchestrator: case file in, letters (and, for a batch, numbered print files) out.

Stages: validate -> (number) -> render -> (merge -> manifest). A case that fails at any
stage becomes a row of ``rejects.csv``; the others go on. Every file is written under a
temporary name and renamed, so a crash never leaves a half-written file.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from notice_factory.cases import ReadResult, read_case_file
from notice_factory.errors import CaseError, NoticeFactoryError
from notice_factory.fsutil import atomic_write_bytes, remove_stale_parts
from notice_factory.model import Case, Clock, system_clock
from notice_factory.render import LetterRenderer, RenderedLetter
from notice_factory.settings import SenderProfile, load_sender_profile

Progress = Callable[[int, int, str], None]
"""Called as progress(done, total, letter_key) after each letter."""


@dataclass
class LetterResult:
    case: Case
    letter_file: Path
    pages: int
    template_id: str
    template_version: str


@dataclass
class RenderSummary:
    out_dir: Path
    letters: list[LetterResult] = field(default_factory=list)
    rejects: list[CaseError] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        if not self.letters:
            return 1
        return 3 if self.rejects else 0


def reject_from(err: NoticeFactoryError, case: Case | None = None) -> CaseError:
    """Turn any per-letter failure into a rejection row that names the case."""
    if isinstance(err, CaseError):
        if case is not None:
            err.row = err.row if err.row is not None else case.row
            err.case_id = err.case_id or case.case_id
        return err
    return CaseError(err.format_message(), row=case.row if case else None,
                     field="(letter)", case_id=case.case_id if case else None)


def reject_row(err: CaseError) -> Any:
    from notice_factory.manifest import RejectRow

    return RejectRow(row=err.row, case_id=err.case_id or "", field=err.field or "",
                     reason=err.message)


def render_case(case: Case, sender: SenderProfile | None = None, *,
                batch_date: dt.date | None = None, clock: Clock = system_clock,
                templates: Path | None = None, tracking_number: str = "") -> bytes:
    """Render one validated case to the PDF bytes of its letter (library entry point)."""
    profile = sender or load_sender_profile()
    with LetterRenderer(templates=templates) as renderer:
        letter = renderer.render(case, profile.entity(case.locale),
                                 batch_date=batch_date or clock(), tracking_number=tracking_number)
    return letter.pdf


def read_cases(cases_path: Path, *, batch_date: dt.date, allow_unknown: bool = False) -> ReadResult:
    return read_case_file(cases_path, batch_date=batch_date, allow_unknown=allow_unknown)


def _render_all(cases: list[Case], sender: SenderProfile, renderer: LetterRenderer,
                batch_date: dt.date, numbers: dict[str, str],
                ) -> Iterator[RenderedLetter | tuple[Case, CaseError]]:
    for case in cases:
        try:
            yield renderer.render(case, sender.entity(case.locale), batch_date=batch_date,
                                  tracking_number=numbers.get(case.letter_key, ""))
        except NoticeFactoryError as err:
            yield case, reject_from(err, case)


def render_letters(cases_path: Path, out_dir: Path, *, sender: SenderProfile | None = None,
                   templates: Path | None = None, clock: Clock = system_clock,
                   batch_date: dt.date | None = None, allow_unknown: bool = False,
                   progress: Progress | None = None) -> RenderSummary:
    """`notice-factory render`: one PDF per valid case in ``out_dir``, plus rejects.csv."""
    profile = sender or load_sender_profile()
    day = batch_date or clock()
    summary = RenderSummary(out_dir=out_dir)
    t0 = time.perf_counter()
    read = read_cases(cases_path, batch_date=day, allow_unknown=allow_unknown)
    summary.rejects.extend(read.rejects)
    summary.timings["validate"] = time.perf_counter() - t0
    out_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_parts(out_dir)
    t1 = time.perf_counter()
    with LetterRenderer(templates=templates) as renderer:
        total = len(read.cases)
        for done, item in enumerate(_render_all(read.cases, profile, renderer, day, {}), 1):
            if isinstance(item, RenderedLetter):
                target = out_dir / f"{item.case.letter_key}.pdf"
                atomic_write_bytes(target, item.pdf)
                summary.letters.append(LetterResult(item.case, target, item.pages,
                                                    item.template.id, item.template.version))
                key = item.case.letter_key
            else:
                summary.rejects.append(item[1])
                key = item[0].letter_key
            if progress:
                progress(done, total, key)
    summary.timings["render"] = time.perf_counter() - t1
    from notice_factory.manifest import write_rejects

    write_rejects([reject_row(e) for e in summary.rejects], out_dir)
    return summary
