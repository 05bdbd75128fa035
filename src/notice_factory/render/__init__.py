"""From a validated case to the PDF bytes of its letter, whatever the template's engine.

:class:`LetterRenderer` is what a worker process keeps warm: the catalog, one HTML
engine (Jinja environment, FontConfiguration, parsed CSS) and, on first need, one
DOCX engine with its long-lived LibreOffice.

A Word letter is made in two halves that can run in different processes: filling the
template (:meth:`LetterRenderer.draft`, Python) and converting it
(:class:`notice_factory.office.OfficeSide`, LibreOffice). A batch fills in its render
workers and converts in one shared office process, so two workers do not each keep a
250 MB LibreOffice.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from notice_factory.catalog import Catalog, TemplateSpec, load_catalog
from notice_factory.context import FILTERS, TemplateContext, build_context, copies_of
from notice_factory.copies import join_copies
from notice_factory.errors import RenderError
from notice_factory.model import Case
from notice_factory.office import OfficeSide, WordDraft
from notice_factory.settings import Entity, environment

if TYPE_CHECKING:
    from notice_factory.render.html import HtmlEngine


@dataclass(frozen=True)
class RenderedLetter:
    case: Case
    template: TemplateSpec
    pdf: bytes
    pages: int
    context: TemplateContext


class LetterRenderer:
    """Renders letters for one templates tree; reuse one per process."""

    def __init__(self, catalog: Catalog | None = None, *, templates: Path | None = None,
                 office_timeout: float | None = None) -> None:
        # Imported here: a process that only reads this module's types (the batch process,
        # which renders nothing) does not pay WeasyPrint's 0.5 s import (issue 16).
        from notice_factory.render.html import HtmlEngine

        self.catalog = catalog or load_catalog(templates)
        self.html: HtmlEngine = HtmlEngine(self.catalog.root, FILTERS)
        self.office_timeout = office_timeout
        self._docx: Any = None
        self._typst: Any = None
        self._office: OfficeSide | None = None

    @property
    def docx(self) -> Any:
        """The DOCX filler (docxtpl); it never starts LibreOffice itself."""
        if self._docx is None:
            # Imported on first need: a batch of HTML letters never loads docxtpl.
            from notice_factory.render.docx import DocxEngine

            self._docx = DocxEngine(self.catalog.root)
        return self._docx

    @property
    def typst(self) -> Any:
        """The typst engine (one warm compiler per language), made on the first typst letter."""
        if self._typst is None:
            from notice_factory.render.typst import TypstEngine

            self._typst = TypstEngine(self.catalog.root)
        return self._typst

    @property
    def office(self) -> OfficeSide:
        """This renderer's own LibreOffice, started on the first Word letter it converts."""
        if self._office is None:
            timeout = self.office_timeout
            self._office = OfficeSide(
                timeout=environment().office_timeout if timeout is None else timeout)
        return self._office

    def warm_up(self) -> None:
        """Load the engines the catalog's templates use (fonts, PDF writers) before the first
        letter: what a batch worker does while the batch numbers its letters."""
        self.html.html_to_pdf("<html><body><p>Aé ș 中文</p></body></html>",
                              template="_common/layout.html", identifier="warm-up")
        typst = sorted({s.language for s in self.catalog.templates.values() if s.engine == "typst"})
        if typst:
            self.typst.warm_up(typst)

    def close(self) -> None:
        if self._office is not None:
            self._office.close()
            self._office = None

    def __enter__(self) -> LetterRenderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def context_for(self, case: Case, entity: Entity, *, batch_date: dt.date,
                    tracking_number: str = "") -> tuple[TemplateSpec, TemplateContext]:
        spec = self.catalog.template(case.locale, case.kind)
        ctx = build_context(case, entity, batch_date=batch_date, template_id=spec.id,
                            template_version=spec.version, tracking_number=tracking_number)
        return spec, ctx

    def render(self, case: Case, entity: Entity, *, batch_date: dt.date,
               tracking_number: str = "", duplex: bool = True) -> RenderedLetter:
        spec, ctx = self.context_for(case, entity, batch_date=batch_date,
                                     tracking_number=tracking_number)
        pdf = self.render_copies(spec, ctx, identifier=case.letter_key, duplex=duplex)
        return RenderedLetter(case, spec, pdf, count_pages(pdf), ctx)

    def draft(self, case: Case, entity: Entity, *, batch_date: dt.date,
              tracking_number: str = "", duplex: bool = True) -> RenderedLetter | WordDraft:
        """An HTML letter finished, or a Word letter filled but not yet converted."""
        spec, ctx = self.context_for(case, entity, batch_date=batch_date,
                                     tracking_number=tracking_number)
        if spec.engine == "docx":
            return self.word_draft(spec, *copies_of(ctx), identifier=case.letter_key,
                                   duplex=duplex)
        pdf = self.render_copies(spec, ctx, identifier=case.letter_key, duplex=duplex)
        return RenderedLetter(case, spec, pdf, count_pages(pdf), ctx)

    def word_draft(self, spec: TemplateSpec, variables: dict[str, Any],
                   *more: dict[str, Any], identifier: str, duplex: bool = True) -> WordDraft:
        """The filled document; with ``more`` (a letter's further copies) each one filled."""
        docx: bytes = self.docx.render_docx(spec.file, variables)
        return WordDraft(spec, docx, identifier, str(variables["letter"].date_iso),
                         tuple(self.docx.render_docx(spec.file, v) for v in more), duplex)

    def render_copies(self, spec: TemplateSpec, ctx: TemplateContext, *,
                      identifier: str, duplex: bool = True) -> bytes:
        """The whole letter: every copy it holds (``context.copies_of``), joined; printed on
        both sides (``duplex``) each copy starts on a new sheet."""
        variants = copies_of(ctx)
        if spec.engine == "docx":
            return self.office.finish(self.word_draft(spec, *variants, identifier=identifier,
                                                      duplex=duplex))
        return join_copies([self.render_spec(spec, v, identifier=identifier) for v in variants],
                           duplex=duplex)

    def render_spec(self, spec: TemplateSpec, variables: dict[str, Any], *,
                    identifier: str) -> bytes:
        if spec.engine == "docx":
            return self.office.finish(self.word_draft(spec, variables, identifier=identifier))
        if spec.engine == "typst":
            pdf: bytes = self.typst.render_pdf(spec.file, variables, identifier=identifier)
            return pdf
        return self.html.render_pdf(spec.file, variables, stylesheets=spec.stylesheets,
                                    identifier=identifier)


def count_pages(pdf: bytes) -> int:
    """The pages of a PDF, read by qpdf (pikepdf): it finds the page tree without parsing the
    pages, 0.2-0.6 ms a letter where pypdf took 0.6-7 ms (issue 16)."""
    import pikepdf  # a C++ library: cheap to open a PDF with

    try:
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            return len(doc.pages)
    except Exception as exc:  # a PDF we cannot read back is not a letter we can send
        reason = str(exc).split(">: ", 1)[-1]  # qpdf names the buffer: not of use to a reader
        raise RenderError(f"the engine produced an unreadable PDF: {reason}") from exc
