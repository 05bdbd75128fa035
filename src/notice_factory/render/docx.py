"""DOCX templates: docxtpl with the same sandboxed Jinja, variables and filters as HTML.

A legal team may keep a letter as a Word document. :class:`DocxEngine` fills it
with docxtpl using the environment of :func:`~notice_factory.render.html.make_environment`
(sandbox, autoescape, ``StrictUndefined``) and the shared formatting filters, so a
DOCX letter sees exactly the variables an HTML letter sees, a misspelt variable is
an error, and a debtor called ``<b>&Co</b>`` comes out literally instead of breaking
the document's XML. The PDF comes from a warm LibreOffice
(:class:`~notice_factory.render.office.OfficeConverter`); such PDFs are not
byte-for-byte reproducible.

Markup values (``letter.barcode_svg``) are handed to Word as plain, escaped text:
raw SVG or HTML inside the document's XML would corrupt it. A DOCX template prints
``letter.tracking_number`` instead of the barcode.

Word splits text into runs wherever formatting, spell-checking or editing history
changes. docxtpl glues a ``{{ tag }}`` split over several runs back together, but
the value then takes the formatting of the first piece only, and a tag broken by
a typo (``{{ name }``) becomes a confusing syntax error: :func:`find_split_tags`
finds both, by part and paragraph, for ``templates check``.
"""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import IO, Any, NamedTuple

import jinja2
from docxtpl import DocxTemplate
from lxml import etree  # type: ignore[import-untyped]  # no stubs installed
from markupsafe import Markup

from notice_factory.context import FILTERS
from notice_factory.errors import RenderError, TemplateError
from notice_factory.render.html import make_environment
from notice_factory.render.office import OfficeConverter

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# Parts of a .docx where docxtpl renders Jinja tags.
_PART_RE = re.compile(r"word/(document|header\d*|footer\d*|footnotes)\.xml")
_TAG_RE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_DELIMITER_RE = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}")
# Run properties that Word changes without the author meaning any formatting
# (proofing language, "do not check spelling", the font hint of the typed script).
_IGNORED_RPR = {f"{_W}lang", f"{_W}noProof", f"{_W}webHidden"}


class DocxTemplateError(TemplateError):
    """A Jinja error in a DOCX template, located by part and paragraph."""

    def __init__(self, message: str, *, file: str, part: str | None = None,
                 paragraph: int | None = None, snippet: str = "") -> None:
        where = ", ".join(filter(None, [
            part and part.lstrip("/"),
            f"paragraph {paragraph}" if paragraph else None,
            f"near «{snippet}»" if snippet else None,
        ]))
        super().__init__(f"{where}: {message}" if where else message, file=file)
        self.part = part
        self.paragraph = paragraph
        self.snippet = snippet


class SplitTag(NamedTuple):
    """A Jinja tag Word split across runs in a way docxtpl does not repair cleanly."""

    part: str        # e.g. "word/document.xml", "word/footer1.xml"
    paragraph: int   # 1-based, every paragraph of the part in document order (tables too)
    text: str        # the tag as it reads, e.g. "{{ debtor.name }}"
    problem: str     # what is wrong, in words for the legal team


class DocxEngine:
    """Fills DOCX templates of one templates tree and converts them to PDF.

    ``converter`` is created on the first :meth:`render_pdf` when not given;
    :meth:`close` closes it either way.
    """

    def __init__(self, root: Path, converter: OfficeConverter | None = None,
                 filters: Mapping[str, Any] | None = None) -> None:
        self.root = root.resolve()
        self.env = make_environment(self.root, FILTERS if filters is None else filters)
        self.converter = converter
        self._sources: dict[str, bytes] = {}

    def __enter__(self) -> DocxEngine:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self.converter is not None:
            self.converter.close()
            self.converter = None

    def source(self, template: str) -> bytes:
        """The template's bytes (read once); only files inside the tree are served."""
        data = self._sources.get(template)
        if data is None:
            path = (self.root / template).resolve()
            if not path.is_relative_to(self.root) or not path.is_file():
                raise TemplateError(f"template {template} not found in {self.root}")
            data = self._sources[template] = path.read_bytes()
        return data

    def render_docx(self, template: str, variables: Mapping[str, Any]) -> bytes:
        """The filled .docx for ``template`` (a path inside the tree)."""
        source = self.source(template)
        try:
            doc = DocxTemplate(io.BytesIO(source))
            doc.init_docx()  # docxtpl loads lazily; a broken file should fail here, clearly
        except Exception as exc:  # python-docx raises zip, XML and key errors alike
            raise TemplateError(f"not a readable Word document: {exc}", file=template) from None
        try:
            # docxtpl sets env.autoescape to this value: keep it True, always.
            doc.render({k: _plain(v) for k, v in variables.items()}, jinja_env=self.env,
                       autoescape=True)
        except jinja2.TemplateSyntaxError as exc:
            raise _locate(exc.message or "syntax error", template, source, doc,
                          exc.lineno) from None
        except jinja2.TemplateError as exc:
            raise _locate(str(exc), template, source, doc, _xml_line(exc)) from None
        except etree.XMLSyntaxError as exc:
            raise TemplateError(f"the filled document is not valid Word XML ({exc}); a tag "
                                "probably straddles a paragraph or table boundary",
                                file=template) from None
        out = io.BytesIO()
        doc.save(out)
        return out.getvalue()

    def render_pdf(self, template: str, variables: Mapping[str, Any], *,
                   identifier: str | None = None, timeout: float | None = None) -> bytes:
        """Fill ``template`` and convert it to PDF with the warm LibreOffice.

        ``identifier`` (for example the letter key) names the document in errors.
        """
        filled = self.render_docx(template, variables)
        if self.converter is None:
            self.converter = OfficeConverter()
        try:
            return self.converter.convert(filled, timeout=timeout,
                                          name=identifier or Path(template).stem)
        except RenderError as exc:
            if exc.file is None:
                exc.file = template
            raise


def _plain(value: Any) -> Any:
    """``value`` with every Markup turned into ordinary (to be escaped) text.

    >>> _plain({"svg": Markup("<svg/>")})["svg"] == "<svg/>"
    True
    >>> type(_plain((Markup("<b>"),))[0]).__name__
    'str'
    """
    if isinstance(value, Markup):
        return "".join([value])  # str.join gives a plain str, which autoescape then escapes
    if isinstance(value, str | int | float | bool | type(None)):
        return value
    if isinstance(value, tuple | list):
        return type(value)(_plain(v) for v in value)
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)
                   if f.init}
        return dataclasses.replace(value, **changes)
    return value


def _xml_line(exc: BaseException) -> int | None:
    """The line of the (docxtpl-patched) XML where a runtime Jinja error happened."""
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":  # code compiled by from_string
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _locate(message: str, template: str, source: bytes, doc: DocxTemplate,
            line: int | None) -> DocxTemplateError:
    """Turn a line of docxtpl's patched XML back into a paragraph of the original part."""
    part = getattr(doc, "current_rendering_part", None)
    partname = str(part.partname) if part is not None else None
    snippet, paragraph = "", None
    if part is not None and line is not None:
        try:
            patched = doc.patch_xml(doc.get_part_xml(part) if partname != "/word/document.xml"
                                    else doc.xml_to_string(part._element.body))
        except Exception:  # best effort: the error itself matters more than its location
            patched = ""
        # docxtpl starts every paragraph on a new line before handing the XML to Jinja.
        lines = re.sub(r"<w:p([ >])", r"\n<w:p\1", patched).splitlines()
        if 0 < line <= len(lines):
            snippet = " ".join(re.sub(r"<[^>]+>", "", lines[line - 1]).split())[:80]
        paragraph = _find_paragraph(source, partname, snippet)
    return DocxTemplateError(message, file=template, part=partname, paragraph=paragraph,
                             snippet=snippet)


def _find_paragraph(source: bytes, partname: str | None, snippet: str) -> int | None:
    if not snippet or partname is None:
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(source)) as z:
            texts = [t for t, _ in _paragraphs(z.read(partname.lstrip("/")))]
    except (KeyError, zipfile.BadZipFile, etree.XMLSyntaxError):
        return None
    wanted = [" ".join(t.split()) for t in _TAG_RE.findall(snippet)] or [snippet]
    for number, text in enumerate(texts, 1):
        flat = " ".join(text.split())
        if any(w in flat for w in wanted):
            return number
    return None


def _rpr_key(run: etree._Element | None) -> tuple[Any, ...]:
    """A comparable summary of a run's formatting, ignoring proofing-only properties."""
    rpr = run.find(f"{_W}rPr") if run is not None else None
    if rpr is None:
        return ()
    items = []
    for child in rpr:
        if child.tag in _IGNORED_RPR:
            continue
        attrs = tuple(sorted((k, v) for k, v in child.attrib.items() if k != f"{_W}hint"))
        items.append((child.tag, attrs))
    return tuple(sorted(items))


def _paragraphs(xml: bytes) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """Each paragraph's text, and for each character the formatting of the run it is in."""
    root = etree.fromstring(xml)
    out = []
    for p in root.iter(f"{_W}p"):
        text_parts: list[str] = []
        owners: list[tuple[Any, ...]] = []
        for t in p.iter(f"{_W}t"):
            # Text of nested paragraphs (text boxes) is counted with them, not here.
            if _enclosing_paragraph(t) is not p:
                continue
            value = t.text or ""
            key = _rpr_key(t.getparent())
            text_parts.append(value)
            owners.extend([key] * len(value))
        out.append(("".join(text_parts), owners))
    return out


def _enclosing_paragraph(node: etree._Element) -> etree._Element | None:
    parent = node.getparent()
    while parent is not None and parent.tag != f"{_W}p":
        parent = parent.getparent()
    return parent


def find_split_tags(docx: Path | str | bytes | IO[bytes]) -> list[SplitTag]:
    """Jinja tags that Word split across differently formatted runs, and broken tags.

    Reported: a tag whose pieces carry different formatting (docxtpl would keep the
    first piece's formatting for the whole value), and a delimiter with no partner in
    its paragraph (``{{ name }``, ``{ name }}``: a tag must stay within one paragraph).
    Tags split across runs of identical formatting are fine and not reported.

    >>> find_split_tags(_demo_docx([("Dear {{ debtor.", ""), ("name }}", "<w:b/>")]))
    [SplitTag(part='word/document.xml', paragraph=1, text='{{ debtor.name }}', problem='the tag is split across runs with different formatting: retype it in one go (Word keeps only the first part’s formatting)')]
    >>> find_split_tags(_demo_docx([("Dear {{ debtor.", ""), ("name }}", "")]))
    []
    """  # noqa: E501
    if isinstance(docx, bytes):
        docx = io.BytesIO(docx)
    found: list[SplitTag] = []
    with zipfile.ZipFile(docx) as z:
        names = sorted((n for n in z.namelist() if _PART_RE.fullmatch(n)),
                       key=lambda n: (n != "word/document.xml", n))
        for name in names:
            for number, (text, owners) in enumerate(_paragraphs(z.read(name)), 1):
                found.extend(_check_paragraph(name, number, text, owners))
    return found


def _check_paragraph(part: str, number: int, text: str,
                     owners: list[tuple[Any, ...]]) -> list[SplitTag]:
    problems = []
    for m in _TAG_RE.finditer(text):
        pieces = owners[m.start():m.end()]
        if len(set(pieces)) > 1:
            problems.append(SplitTag(
                part, number, m.group(),
                "the tag is split across runs with different formatting: retype it in one "
                "go (Word keeps only the first part’s formatting)"))
    rest = _TAG_RE.sub(lambda m: " " * len(m.group()), text)
    for m in _DELIMITER_RE.finditer(rest):
        context = text[max(0, m.start() - 20):m.end() + 20].strip()
        problems.append(SplitTag(
            part, number, context,
            f"'{m.group()}' has no matching delimiter in this paragraph (a broken or "
            "unfinished tag; a tag must open and close within one paragraph)"))
    return problems


def _demo_docx(runs: list[tuple[str, str]]) -> bytes:
    """A minimal .docx with one paragraph made of ``(text, run properties XML)`` runs."""
    body = "".join(f'<w:r><w:rPr>{rpr}</w:rPr><w:t xml:space="preserve">{text}</w:t></w:r>'
                   for text, rpr in runs)
    document = (f'<w:document xmlns:w="{_W[1:-1]}"><w:body><w:p>{body}</w:p>'
                "</w:body></w:document>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("word/document.xml", document)
    return out.getvalue()
