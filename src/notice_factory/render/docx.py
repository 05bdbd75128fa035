"""DOCX templates: docxtpl with the same sandboxed Jinja, variables and filters as HTML.

A legal team may keep a letter as a Word document. :class:`DocxEngine` fills it
with docxtpl using the environment of :func:`~notice_factory.render.html.make_environment`
(sandbox, autoescape, ``StrictUndefined``) and the shared formatting filters, so a
DOCX letter sees exactly the variables an HTML letter sees, a misspelt variable is
an error, and a debtor called ``<b>&Co</b>`` comes out literally instead of breaking
the document's XML. The filled document becomes a PDF in the office package
(:class:`notice_factory.office.OfficeSide`: a warm LibreOffice, then the PDF made
reproducible), the one conversion path.

Markup values are handed to Word as plain, escaped text: raw SVG or HTML inside the
document's XML would corrupt it. The one exception is the registered number's barcode:
when ``letter.tracking_number`` is set, the engine replaces ``letter.barcode_svg`` (an
SVG, useless to Word) by a picture of the same Code 128 (:func:`barcode_png`, 0.3 mm a
module, 5.5 mm tall, pure black and white, 3 px a module), so a Word template writes
``{{ letter.barcode_svg }}`` exactly where an HTML one does and gets the barcode; without
a number it stays empty. Nothing else in the context changes.

Per letter, only what depends on the letter is done: each template is read and slimmed
once (:mod:`~notice_factory.render.docxslim`: the styles it uses only), and docxtpl's
clean-up of each part's XML and its compiled Jinja are kept across letters
(:class:`CompiledParts`, keyed by the part's text; fill 180 -> 39 ms, bench/README.md).

Word splits text into runs wherever formatting, spell-checking or editing history
changes. docxtpl glues a ``{{ tag }}`` split over several runs back together, but
the value then takes the formatting of the first piece only, and a tag broken by
a typo (``{{ name }``) becomes a confusing syntax error: :func:`find_split_tags`
finds both, by part and paragraph, for ``templates check``.

:func:`docx_problems` is the static half of ``templates check`` for a Word template:
syntax errors, split tags and unknown variables, each with its paragraph as line;
:func:`docx_variables` the top-level variables it uses (to compare with ``template.toml``).
"""

from __future__ import annotations

import base64
import dataclasses
import io
import re
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any, NamedTuple

import jinja2
import jinja2.meta
import jinja2.nodes
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from lxml import etree
from markupsafe import Markup
from PIL import Image

from notice_factory.barcode import code128_modules
from notice_factory.context import (
    BARCODE_HEIGHT_MM,
    BARCODE_MODULE_MM,
    FILTERS,
    VARIABLE_NAMES,
    SignVars,
)
from notice_factory.errors import RenderError, TemplateError
from notice_factory.render.docxslim import slim_docx
from notice_factory.render.html import local_names, make_environment

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
    """Fills DOCX templates of one templates tree (docxtpl). It never converts: a filled
    document becomes a PDF in :class:`notice_factory.office.OfficeSide`, the one path."""

    def __init__(self, root: Path, filters: Mapping[str, Any] | None = None, *,
                 slim: bool = True) -> None:
        self.root = root.resolve()
        self.slim = slim  # fill from the template without its unused styles (docxslim.py)
        self.env = make_environment(self.root, FILTERS if filters is None else filters)
        self.compiled = CompiledParts(self.env)
        self._sources: dict[str, bytes] = {}

    def source(self, template: str) -> bytes:
        """The template's bytes (read once, slimmed unless ``slim`` is off: the styles it
        uses only); only files inside the tree are served."""
        data = self._sources.get(template)
        if data is None:
            path = (self.root / template).resolve()
            if not path.is_relative_to(self.root) or not path.is_file():
                raise TemplateError(f"template {template} not found in {self.root}")
            data = path.read_bytes()
            if self.slim:
                try:
                    data = slim_docx(data)
                except (zipfile.BadZipFile, etree.XMLSyntaxError, KeyError) as exc:
                    raise TemplateError(f"not a readable Word document: {exc}",
                                        file=template) from None
            self._sources[template] = data
        return data

    def render_docx(self, template: str, variables: Mapping[str, Any]) -> bytes:
        """The filled .docx for ``template`` (a path inside the tree)."""
        source = self.source(template)
        try:
            doc = _Template(io.BytesIO(source), self.compiled)
            doc.init_docx()  # docxtpl loads lazily; a broken file should fail here, clearly
        except Exception as exc:  # python-docx raises zip, XML and key errors alike
            raise TemplateError(f"not a readable Word document: {exc}", file=template) from None
        try:
            # docxtpl sets env.autoescape to this value: keep it True, always.
            doc.render(_word_context(doc, variables), jinja_env=self.compiled, autoescape=True)
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


class CompiledParts:
    """docxtpl's per-template work done once: its cleaned-up XML and the compiled Jinja.

    docxtpl takes each part of the document (body, headers, footers, properties) apart
    (``patch_xml``, a pure function of the part's XML) and compiles the result with
    ``jinja_env.from_string`` for every letter: two thirds of a fill. Both results depend
    on the part's text alone, and a template's parts read the same for every letter (each
    letter starts from the template's pristine bytes), so they are kept here keyed by that
    text (a changed template is different text, hence compiled again; at most ``LIMIT``
    texts are kept, the least recently used dropped). docxtpl gets this object as its
    ``jinja_env``: it only calls ``from_string`` and sets ``autoescape``, and the templates
    come from the one sandboxed environment (autoescape, ``StrictUndefined``) as before.
    A compiled template keeps no state between renders.
    """

    LIMIT = 512

    def __init__(self, env: jinja2.Environment) -> None:
        self.env = env
        self._templates: OrderedDict[str, jinja2.Template] = OrderedDict()
        self._patched: OrderedDict[str, str] = OrderedDict()
        self.compiles = 0  # how many texts were compiled (tests: once per part)

    @property
    def autoescape(self) -> Any:
        return self.env.autoescape

    @autoescape.setter
    def autoescape(self, value: bool) -> None:
        if value is not True:  # docxtpl sets what render() got: always True here
            raise TemplateError("Word letters are always filled with autoescape on")
        self.env.autoescape = True

    def from_string(self, source: str) -> jinja2.Template:
        """``env.from_string(source)``, compiled once per distinct text."""
        template = self._templates.get(source)
        if template is None:
            template = self.env.from_string(source)
            self.compiles += 1
        self._keep(self._templates, source, template)
        return template

    def patched(self, src_xml: str, patch: Callable[[str], str]) -> str:
        """``patch(src_xml)`` (docxtpl's ``patch_xml``), computed once per distinct text."""
        done = self._patched.get(src_xml)
        if done is None:
            done = patch(src_xml)
        self._keep(self._patched, src_xml, done)
        return done

    def _keep(self, cache: OrderedDict[str, Any], key: str, value: Any) -> None:
        cache[key] = value
        cache.move_to_end(key)
        while len(cache) > self.LIMIT:
            cache.popitem(last=False)


class _Template(DocxTemplate):  # type: ignore[misc]  # docxtpl is untyped
    """A DocxTemplate whose XML clean-up is shared through :class:`CompiledParts`."""

    def __init__(self, template_file: IO[bytes], compiled: CompiledParts) -> None:
        super().__init__(template_file)
        self.compiled = compiled

    def patch_xml(self, src_xml: str) -> str:
        return self.compiled.patched(src_xml, super().patch_xml)


# The barcode picture: whole pixels per module keep every bar edge sharp. LibreOffice's PDF
# export resamples pictures finer than 300 dpi down to 300 dpi, which would turn 0.3 mm
# bars into grey-edged ones (0.3 mm is 3.54 px at 300 dpi); 3 px a module (254 dpi) is kept
# as it is, pure black and white. The quiet zone is the SVG's (10 modules each side).
_PX_PER_MODULE = 3
_QUIET_MODULES = 10


def barcode_png(text: str, *, module_mm: float = BARCODE_MODULE_MM,
                height_mm: float = BARCODE_HEIGHT_MM) -> tuple[bytes, float, float]:
    """A Code 128 of ``text`` as a 1-bit PNG, with its printed width and height in mm.

    >>> png, width, height = barcode_png("AB")
    >>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n", round(width, 1), height  # 20 + 57 modules
    (True, 23.1, 5.5)
    """
    widths = code128_modules(text)
    modules = sum(widths) + 2 * _QUIET_MODULES
    dpi = _PX_PER_MODULE * 25.4 / module_mm
    image = Image.new("1", (modules * _PX_PER_MODULE, round(height_mm * dpi / 25.4)), 1)
    x = _QUIET_MODULES
    for i, width in enumerate(widths):
        if i % 2 == 0:  # bars and spaces alternate, bar first
            image.paste(0, (x * _PX_PER_MODULE, 0, (x + width) * _PX_PER_MODULE, image.height))
        x += width
    out = io.BytesIO()
    image.save(out, "PNG", dpi=(dpi, dpi), optimize=True)
    return out.getvalue(), modules * module_mm, height_mm


class _Picture(InlineImage):  # type: ignore[misc]  # docxtpl is untyped
    """An InlineImage with no space around it: without ``dist*`` LibreOffice pads an inline
    picture by Word's default wrap distance for floating ones (3.2 mm left and right)."""

    def _insert_image(self) -> str:
        xml: str = super()._insert_image()
        return xml.replace("<wp:inline ", '<wp:inline distT="0" distB="0" distL="0" distR="0" ', 1)


#: Printed sizes of the profile's images: a signature 18 mm tall (its width follows), an
#: official seal 40 mm across, as Chinese seals are.
SIGNATURE_HEIGHT_MM = 18.0
SEAL_MM = 40.0
#: Where a seal sits from the paragraph whose tag prints it: its right edge on the right
#: margin (or the table cell's right edge) and its top this far above the paragraph, so that
#: it covers the issuer's name and the lines below it (the date), as 电子印章 are placed.
SEAL_RAISE_MM = 6.0


class _Seal(InlineImage):  # type: ignore[misc]  # docxtpl is untyped
    """A picture floating over the text (a Word anchor with no wrapping), its right edge on
    the right of the column or cell and its top ``SEAL_RAISE_MM`` above its paragraph: an
    official seal stamped over the issuer's name and date, the text staying readable
    underneath (the seal image is transparent around its red ink)."""

    def _insert_image(self) -> str:
        xml: str = super()._insert_image()
        head = re.search(r"<wp:inline\b([^>]*)>", xml)
        if head is None:  # pragma: no cover - python-docx always writes wp:inline
            return xml
        raise_emu = int(Mm(SEAL_RAISE_MM))
        anchor = (f"<wp:anchor{head.group(1)} distT=\"0\" distB=\"0\" distL=\"0\" distR=\"0\" "
                  'simplePos="0" relativeHeight="251660288" behindDoc="0" locked="0" '
                  'layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/>'
                  '<wp:positionH relativeFrom="column"><wp:align>right</wp:align>'
                  '</wp:positionH><wp:positionV relativeFrom="paragraph">'
                  f"<wp:posOffset>{-raise_emu}</wp:posOffset></wp:positionV>")
        xml = xml[:head.start()] + anchor + xml[head.end():]
        xml = re.sub(r"(<wp:extent [^>]*/>)", r'\1<wp:effectExtent l="0" t="0" r="0" b="0"/>'
                     r"<wp:wrapNone/>", xml, count=1)
        return xml.replace("</wp:inline>", "</wp:anchor>")


def _png_of(uri: str, key: str) -> bytes:
    """The PNG bytes of an image's data: URL (SignVars); Word letters print PNG only."""
    head, _, data = uri.partition(",")
    if head != "data:image/png;base64":
        raise RenderError(f"{key}: Word letters print PNG images only; the sender profile "
                          "gives an SVG: give a PNG")
    return base64.b64decode(data)


def _sign_pictures(doc: DocxTemplate, sign: SignVars) -> SignVars:
    """The profile's signatures as inline pictures, its seals floating over the text."""
    def signature(uri: str, key: str) -> Any:
        return _Picture(doc, io.BytesIO(_png_of(uri, key)),
                        height=Mm(SIGNATURE_HEIGHT_MM)) if uri else ""

    def seal(uri: str, key: str) -> Any:
        return _Seal(doc, io.BytesIO(_png_of(uri, key)), width=Mm(SEAL_MM),
                     height=Mm(SEAL_MM)) if uri else ""

    return dataclasses.replace(
        sign, signature=signature(sign.signature, "creditor.signature"),
        seal=seal(sign.seal, "creditor.seal"),
        lawyer_signature=signature(sign.lawyer_signature, "lawyer.signature"),
        lawyer_seal=seal(sign.lawyer_seal, "lawyer.seal"))


def _word_context(doc: DocxTemplate, variables: Mapping[str, Any]) -> dict[str, Any]:
    """The variables as Word gets them: markup as plain text, the barcode, signatures and
    seals as pictures."""
    context = {k: _plain(v) for k, v in variables.items()}
    letter = context.get("letter")
    number = getattr(letter, "tracking_number", "")
    if number and dataclasses.is_dataclass(letter) and not isinstance(letter, type):
        png, width, height = barcode_png(number)
        picture = _Picture(doc, io.BytesIO(png), width=Mm(width), height=Mm(height))
        context["letter"] = dataclasses.replace(letter, barcode_svg=picture)
    sign = context.get("sign")
    if isinstance(sign, SignVars):
        context["sign"] = _sign_pictures(doc, sign)
    return context


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


# docxtpl's paragraph / row / cell / run tag prefixes ({%p if %}, {{r x }}): Jinja sees plain tags.
_PREFIX_RE = re.compile(r"^(\{[{%#])(?:p|tr|tc|r)(?=\s)")
_SMART_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})


def _parts(z: zipfile.ZipFile) -> list[str]:
    """The parts docxtpl renders, the body first."""
    return sorted((n for n in z.namelist() if _PART_RE.fullmatch(n)),
                  key=lambda n: (n != "word/document.xml", n))


def _skeleton(xml: bytes) -> str:
    """The part's Jinja tags, one line per paragraph: a Jinja line number is a paragraph.

    Text outside tags does not matter to Jinja's syntax, so checking this skeleton finds
    the same errors as checking docxtpl's patched XML, but locates them exactly (the
    patched XML has lost the paragraphs that held ``{%p %}`` and ``{%tr %}`` tags).

    >>> part = _demo_docx([("Dear {{p debtor.name }}, {% if a == ‘b’ %}", "")])
    >>> _skeleton(zipfile.ZipFile(io.BytesIO(part)).read("word/document.xml"))
    "{{ debtor.name }} {% if a == 'b' %}"
    """
    lines = []
    for text, _ in _paragraphs(xml):
        tags = [_PREFIX_RE.sub(r"\1", t.translate(_SMART_QUOTES)) for t in _TAG_RE.findall(text)]
        lines.append(" ".join(tags))
    return "\n".join(lines)


def _first_use(ast: jinja2.nodes.Template, name: str) -> int | None:
    lines = [n.lineno for n in ast.find_all(jinja2.nodes.Name)
             if n.name == name and n.ctx == "load"]
    return min(lines) if lines else None


def _where(part: str) -> str:
    """A part named for the legal team too: the body, a header, a footer.

    >>> _where("word/document.xml"), _where("word/footer2.xml")
    ('word/document.xml (the body)', 'word/footer2.xml (a footer)')
    """
    kind = re.sub(r"\d+$", "", part.rsplit("/", 1)[-1].removesuffix(".xml"))
    return f"{part} ({'the body' if kind == 'document' else f'a {kind}'})"


def _read_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in _parts(z)}


def docx_variables(path: Path) -> set[str]:
    """The top-level template variables a .docx uses (what ``template.toml`` declares).

    A document that cannot be read or parsed uses nothing; :func:`docx_problems` says why.
    """
    env = make_environment(path.parent, FILTERS)
    used: set[str] = set()
    try:
        parts = _read_parts(path)
        for xml in parts.values():
            ast = env.parse(DocxTemplate(path).patch_xml(xml.decode("utf-8")))
            used |= set(jinja2.meta.find_undeclared_variables(ast)) - local_names(ast)
    except (OSError, zipfile.BadZipFile, UnicodeDecodeError, jinja2.TemplateSyntaxError):
        return set()
    return used - set(env.globals)


def docx_problems(path: Path) -> list[TemplateError]:
    """What ``templates check`` reports for a Word template, each with its paragraph as line.

    Jinja syntax errors (and unknown filters) per part, tags split across differently
    formatted runs or broken across paragraphs, and variables the context does not define.
    Paragraphs are counted per part, tables included, from 1.
    """
    file = str(path)
    try:
        parts = _read_parts(path)
        split = find_split_tags(path)
    except (OSError, zipfile.BadZipFile, KeyError, etree.XMLSyntaxError) as exc:
        return [TemplateError(f"not a readable Word document: {exc}", file=file)]
    problems = [_split_problem(tag, file) for tag in split]
    env = make_environment(path.parent, FILTERS)
    known = set(VARIABLE_NAMES) | set(env.globals)
    for part, xml in parts.items():
        problems.extend(_part_problems(path, part, xml, env, known))
    return problems


def _split_problem(tag: SplitTag, file: str) -> TemplateError:
    if tag.problem.startswith("the tag is split"):
        message = (f"the tag {tag.text} is split across differently formatted pieces of "
                   f"text in paragraph {tag.paragraph}; retype it in one go")
    else:
        message = f"paragraph {tag.paragraph}: {tag.problem} (near «{tag.text}»)"
    if tag.part != "word/document.xml":
        message += f" [in {_where(tag.part)}]"
    return TemplateError(message, file=file, line=tag.paragraph)


def _part_problems(path: Path, part: str, xml: bytes, env: jinja2.Environment,
                   known: set[str]) -> list[TemplateError]:
    """A syntax error of one part (header, body...), else its unknown variables."""
    file, where, skeleton = str(path), _where(part), _skeleton(xml)
    try:
        patched = DocxTemplate(path).patch_xml(xml.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return [TemplateError(f"{part} is not UTF-8 XML: {exc}", file=file)]
    # A line of the skeleton is a paragraph. An error only docxtpl's patched XML shows
    # (a tag it could not take apart) has no reliable paragraph.
    for source, locate in ((skeleton, True), (patched, False)):
        error = _compile_error(env, source)
        if error is not None:
            line = error.lineno if locate else None
            if locate and "end of template" in (error.message or ""):
                line = _unclosed_block(skeleton) or line  # Jinja points at the end
            at = f", paragraph {line}" if line else ""
            return [TemplateError(f"Jinja syntax error in {where}{at}: {error.message}",
                                  file=file, line=line)]
    return _unknown_variables(env, patched, skeleton, known, where, file)


def _unknown_variables(env: jinja2.Environment, patched: str, skeleton: str, known: set[str],
                       where: str, file: str) -> list[TemplateError]:
    ast, located = env.parse(patched), env.parse(skeleton)
    unknown = set(jinja2.meta.find_undeclared_variables(ast)) - local_names(ast) - known
    out = []
    for name in sorted(unknown):
        line = _first_use(located, name)
        at = f", paragraph {line}" if line else ""
        out.append(TemplateError(f"uses '{name}' in {where}{at}, which is not a template "
                                 "variable (see `notice-factory templates vars`)",
                                 file=file, line=line))
    return out


_BLOCK_RE = re.compile(r"\{%-?\s*(end)?(for|if|macro|call|filter|with|block|raw|autoescape)\b")


def _unclosed_block(skeleton: str) -> int | None:
    """The line (paragraph) of the innermost block tag that is never closed.

    >>> _unclosed_block("{% if a %}\\n{% for x in y %}\\n{% endfor %}\\ntext")
    1
    """
    stack: list[int] = []
    for number, line in enumerate(skeleton.splitlines(), 1):
        for m in _BLOCK_RE.finditer(line):
            if m.group(1):
                if stack:
                    stack.pop()
            else:
                stack.append(number)
    return stack[-1] if stack else None


def _compile_error(env: jinja2.Environment, source: str) -> jinja2.TemplateSyntaxError | None:
    """The syntax error of ``source`` (unknown filters included), or None when it compiles."""
    try:
        env.compile(source)
    except jinja2.TemplateSyntaxError as exc:
        return exc
    return None


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
