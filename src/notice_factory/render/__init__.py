"""From a validated case to the PDF bytes of its letter, whatever the template's engine.

:class:`LetterRenderer` is what a worker process keeps warm: the catalog, one HTML
engine (Jinja environment, FontConfiguration, parsed CSS) and, on first need, one
DOCX engine with its long-lived LibreOffice.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from notice_factory.catalog import Catalog, TemplateSpec, load_catalog
from notice_factory.context import FILTERS, TemplateContext, build_context
from notice_factory.errors import RenderError
from notice_factory.model import Case
from notice_factory.render.html import HtmlEngine
from notice_factory.render.pdfpin import pin_pdf
from notice_factory.settings import Entity

OFFICE_RECYCLE = 250


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
                 office_timeout: float = 60.0) -> None:
        self.catalog = catalog or load_catalog(templates)
        self.html = HtmlEngine(self.catalog.root, FILTERS)
        self.office_timeout = office_timeout
        self._docx: Any = None

    @property
    def docx(self) -> Any:
        if self._docx is None:
            # Imported on first need: a batch of HTML letters never starts LibreOffice.
            from notice_factory.render.docx import DocxEngine
            from notice_factory.render.office import OfficeConverter

            # Recycled every OFFICE_RECYCLE documents: a long-lived soffice grows by about
            # 0.4 MB per document, and the batch's memory must not grow with its size.
            self._docx = DocxEngine(self.catalog.root, OfficeConverter(
                timeout=self.office_timeout, recycle_after=OFFICE_RECYCLE))
        return self._docx

    def close(self) -> None:
        if self._docx is not None:
            self._docx.close()
            self._docx = None

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
               tracking_number: str = "") -> RenderedLetter:
        spec, ctx = self.context_for(case, entity, batch_date=batch_date,
                                     tracking_number=tracking_number)
        pdf = self.render_spec(spec, ctx.as_dict(), identifier=case.letter_key)
        return RenderedLetter(case, spec, pdf, count_pages(pdf), ctx)

    def render_spec(self, spec: TemplateSpec, variables: dict[str, Any], *,
                    identifier: str) -> bytes:
        if spec.engine == "docx":
            pdf: bytes = self.docx.render_pdf(spec.file, variables)
            return pin_pdf(pdf, identifier, str(variables["letter"].date_iso))
        return self.html.render_pdf(spec.file, variables, stylesheets=spec.stylesheets,
                                    identifier=identifier)


def count_pages(pdf: bytes) -> int:
    try:
        return len(PdfReader(io.BytesIO(pdf)).pages)
    except Exception as exc:  # a PDF we cannot read back is not a letter we can send
        raise RenderError(f"the engine produced an unreadable PDF: {exc}") from exc
