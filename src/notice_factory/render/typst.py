"""Typst templates to PDF: the one context handed over as data, confined, deterministic.

A ``letter.typ`` never sees Python objects and nothing is ever spliced into its markup:
:func:`typst_data` turns the letter's context (``context.TemplateContext``, every printed
value already formatted by the same code the HTML letters use) into plain JSON, given to
the compiler as ``sys.inputs`` and read by ``_common/letter.typ`` with
``json(bytes(sys.inputs.at("notice-factory")))``. A debtor named ``#set page(..)`` or
``]*<x>`` prints those characters: a string from data is text, never markup.

Images (the registered number's barcode, the EPC QR code, signatures and seals) travel in
the same data as ``(format: "svg" | "png", data: ...)``, SVG as its text and PNG as its
bytes (a list of numbers), drawn by ``picture()`` of ``_common/letter.typ``.

Confinement: the compiler's root is the templates tree (a template reads no file outside
it); fonts come only from :func:`font_files` (the Liberation families the product prints
with, and for Chinese the Noto CJK cut of ``fonts.py`` then the full Noto CJK faces for a
rare character), never the system's other fonts; a package import (``@preview/...``), or
any import or include not naming its file as a quoted path, is refused before compiling, so
nothing is downloaded (the binding has no offline switch). Any compiler warning (an unknown font,
a missing glyph) fails the letter, as WeasyPrint's do. The same input gives the same bytes:
the PDF's dates are the letter date's.

One :class:`TypstEngine` per process keeps one compiler (and its loaded fonts and parsed
templates) per language: ``import typst`` happens on the first typst letter only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import re
import shutil
import subprocess
import tempfile
from base64 import b64decode
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from notice_factory.errors import RenderError, TemplateError
from notice_factory.fonts import SPECS, cache_dir, ensure_font
from notice_factory.fsutil import atomic_write_bytes

#: The ``sys.inputs`` key holding the letter's data (JSON).
INPUT_KEY = "notice-factory"
#: Families a typst letter may print with; Chinese letters add the Noto CJK cut and faces.
LATIN_FAMILIES = ("Liberation Sans", "Liberation Serif", "Liberation Mono")
CJK_FAMILIES = ("Noto Serif CJK SC", "Noto Sans CJK SC")
#: Context fields holding an image (SVG markup or a ``data:`` URL), handed over as pictures.
IMAGE_FIELDS = frozenset({("letter", "barcode_svg"), ("payment", "qr_svg"),
                          ("sign", "signature"), ("sign", "seal"),
                          ("sign", "lawyer_signature"), ("sign", "lawyer_seal")})
_WHERE = re.compile(r"┌─ (.+?):(\d+):\d+")


def typst_data(variables: Mapping[str, Any]) -> dict[str, Any]:
    """The letter's variables as plain JSON values: groups become dictionaries, lists
    arrays, ``None`` ``none``; images become ``(format:, data:)`` or ``none``.

    >>> from notice_factory.context import SenderVars
    >>> typst_data({"sender": SenderVars("Paris", "#Me <X>"), "agency": None})
    {'sender': {'place': 'Paris', 'signatory': '#Me <X>'}, 'agency': None}
    """
    return {name: _plain(value, name) for name, value in variables.items()}


def _plain(value: Any, group: str, name: str = "") -> Any:
    if (group, name) in IMAGE_FIELDS:
        return _picture(str(value)) if value else None
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return str(value)  # Markup included: its text, never interpreted
    if isinstance(value, tuple | list):
        return [_plain(v, group) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name), group, f.name)
                for f in dataclasses.fields(value)}
    raise TypeError(f"{group}.{name}: {type(value).__name__} cannot be handed to a template")


def _picture(value: str) -> dict[str, Any]:
    """An image field (SVG text, or a ``data:image/png|svg+xml;base64,`` URL)."""
    if not value.startswith("data:"):
        return {"format": "svg", "data": value}
    head, _, payload = value.partition(",")
    raw = b64decode(payload)
    if "image/svg" in head:
        return {"format": "svg", "data": raw.decode("utf-8")}
    return {"format": "png", "data": list(raw)}


def sys_inputs(variables: Mapping[str, Any]) -> dict[str, str]:
    return {INPUT_KEY: json.dumps(typst_data(variables), ensure_ascii=False,
                                  separators=(",", ":"))}


@cache
def _family_files(family: str) -> tuple[str, ...]:
    if shutil.which("fc-list") is None:
        raise RenderError("fontconfig's fc-list is missing (apt-get install fontconfig)")
    out = subprocess.run(["fc-list", "-f", "%{file}\n", f"{family}"], capture_output=True,
                         text=True, check=False, timeout=60).stdout
    files = sorted({line for line in out.splitlines() if line})
    if not files:
        raise RenderError(f"the font {family!r} the typst templates use is not installed; "
                          "install it (scripts/install.sh lists the font packages)")
    return tuple(files)


def dehinted(source: str) -> str:
    """A copy of the TrueType font ``source`` without its hinting programs, in the font cache.

    typst embeds a subset with the font's hinting (fpgm, prep, cvt and per-glyph programs),
    WeasyPrint's subsetter drops it: with Liberation's hints a French letter's fonts weighed
    2.4 times the HTML letter's. Outlines and metrics are untouched; hints only steer pixels on
    screens at small sizes, never print.
    """
    path = Path(source)
    if path.suffix.lower() != ".ttf":
        return source
    st = path.stat()
    key = hashlib.sha256(f"{path}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()[:16]
    target = cache_dir() / "typst-dehinted" / f"{path.stem}-{key}.ttf"
    if not target.is_file():
        from fontTools.ttLib import TTFont

        font = TTFont(io.BytesIO(path.read_bytes()), recalcTimestamp=False)
        for table in ("fpgm", "prep", "cvt ", "hdmx", "LTSH", "VDMX"):
            if table in font:
                del font[table]
        if "glyf" in font:
            for name in font.getGlyphOrder():
                font["glyf"][name].removeHinting()
        out = io.BytesIO()
        font.save(out)
        atomic_write_bytes(target, out.getvalue())
    return str(target)


def font_files(language: str, root: Path | None = None) -> list[str]:
    """The font files a typst letter in ``language`` may use (nothing else is loaded)."""
    files = [dehinted(f) for family in LATIN_FAMILIES for f in _family_files(family)]
    if language == "zh":
        files += [str(ensure_font(spec, root)) for spec in SPECS]
        files += [f for family in CJK_FAMILIES for f in _family_files(family)]
    return files


def font_folder(language: str, root: Path | None = None) -> Path:
    """A folder holding exactly :func:`font_files` (links, in the font cache): the compiler
    reads fonts by folder, and the system's folders hold other fonts (and the cache other
    builds of the cut)."""
    files = font_files(language, root)
    key = hashlib.sha256("\n".join(files).encode()).hexdigest()[:16]
    folder = cache_dir() / f"typst-{language}-{key}"
    if not folder.is_dir():
        staging = Path(tempfile.mkdtemp(prefix=f".typst-{language}-", dir=_made(cache_dir())))
        for n, file in enumerate(files):
            (staging / f"{n:02d}-{Path(file).name}").symlink_to(file)
        try:
            staging.rename(folder)
        except OSError:  # another process made it first: the same links
            shutil.rmtree(staging, ignore_errors=True)
    return folder


def _made(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _sources(root: Path) -> Iterable[Path]:
    return (p for p in root.rglob("*.typ") if p.is_file())


def package_imports(root: Path) -> list[TemplateError]:
    """Imports the tree's .typ files must not make: a package (``#import "@preview/..."``),
    or any import or include whose file is not a quoted path (a path computed at run time
    could name a package). A package is code from outside the templates folder, and typst
    would download it.

    >>> _import_problem('#import "../_layout.typ": *'), _import_problem('#import p: *')
    (None, 'import')
    """
    found = []
    for path in sorted(_sources(root)):
        text = _COMMENTS.sub(lambda m: re.sub(r"[^\n]", " ", m.group()),
                             path.read_text(encoding="utf-8"))
        for match in _KEYWORD.finditer(text):
            problem = _import_problem(text[match.start():])
            if problem:
                found.append(TemplateError(
                    f"{problem}s a typst package or a file not named by a quoted path: "
                    "templates may only import or include .typ files of the templates folder, "
                    'each named as a quoted path (#import "../_layout.typ": *); no @preview '
                    "packages, nothing is downloaded",
                    file=str(path), line=text.count("\n", 0, match.start()) + 1))
    return found


def _import_problem(text: str) -> str | None:
    """``"import"`` or ``"include"`` when ``text`` starts with that keyword not followed by
    a quoted path inside the tree, else None."""
    if re.match(r'#?(?:import|include)\s+"[^"@\n]+"', text):
        return None
    return "include" if text.lstrip("#").startswith("include") else "import"


_KEYWORD = re.compile(r"(?<![\w.-])#?(?:import|include)\b")
# Comments (// to the end of a line, /* ... */) blanked before looking for the keywords.
_COMMENTS = re.compile(r"(?<![:\w])//[^\n]*|/\*.*?\*/", re.S)


_IMPORT = re.compile(r'\b(?:import|include)\s+"([^"@]+)"')
_DESTRUCTURE = re.compile(r"#let\s*\([^)]*\)\s*=\s*nf\b", re.S)
_COMMENT = re.compile(r'//[^\n]*|"[^"\n]*"')  # comments and strings: not variables


def imported_files(path: Path, root: Path) -> list[Path]:
    """``path`` and every .typ file it imports or includes, through the whole chain."""
    found: list[Path] = []
    todo = [path.resolve()]
    while todo:
        file = todo.pop()
        if file in found or not file.is_file():
            continue
        found.append(file)
        for name in _IMPORT.findall(file.read_text(encoding="utf-8")):
            target = root / name.lstrip("/") if name.startswith("/") else file.parent / name
            todo.append(target.resolve())
    return found


def variable_uses(path: Path, root: Path, groups: Mapping[str, type[Any] | None]
                  ) -> tuple[set[str], list[TemplateError]]:
    """The variable groups a typst template uses (read as ``group.field``, compared, or
    looped over), through its imports; and each ``group.field`` whose field the group does
    not have, with its file and line."""
    used: set[str] = set()
    unknown: list[TemplateError] = []
    names = "|".join(map(re.escape, groups))
    use = re.compile(rf"\b({names})(?:\.([a-z_]\w*)|\s*[!=]=)|\bin\s+({names})\b")
    for file in imported_files(path, root):
        text = _DESTRUCTURE.sub(lambda m: "\n" * m.group(0).count("\n"),
                                _COMMENT.sub("", file.read_text(encoding="utf-8")))
        for n, line in enumerate(text.splitlines(), start=1):
            for match in use.finditer(line):
                group = match.group(1) or match.group(3)
                used.add(group)
                cls, attr = groups.get(group), match.group(2)
                if attr and cls is not None and dataclasses.is_dataclass(cls) and attr not in {
                        f.name for f in dataclasses.fields(cls)}:
                    unknown.append(TemplateError(
                        f"uses '{group}.{attr}', which is not a template variable (see "
                        "`notice-factory templates vars`)", file=str(file), line=n))
    return used, unknown


def template_error(exc: Any, root: Path, template: str) -> TemplateError:
    """A typst compile error (``typst.TypstError``) as file:line: reason."""
    message = str(getattr(exc, "message", exc))
    where = _WHERE.search(str(getattr(exc, "diagnostic", "")))
    if where is None:
        return TemplateError(f"typst: {message}", file=str(root / template))
    # The compiler names files relative to the working directory, or to the root.
    path = Path(where.group(1))
    if not path.is_absolute():
        path = next((p for p in (root / path, Path.cwd() / path) if p.is_file()), root / path)
    return TemplateError(f"typst: {message}", file=str(path.resolve()), line=int(where.group(2)))


class TypstEngine:
    """Renders typst templates of one templates tree to PDF bytes."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._compilers: dict[str, Any] = {}
        self._checked: dict[Path, float] = {}

    def compiler(self, language: str) -> Any:
        """The warm compiler of ``language`` (its fonts loaded once)."""
        compiler = self._compilers.get(language)
        if compiler is None:
            import typst  # on the first typst letter: importing notice_factory stays light

            fonts = typst.Fonts(include_system_fonts=False, include_embedded_fonts=False,
                                font_paths=[str(font_folder(language, self.root))])
            compiler = typst.Compiler(root=str(self.root), font_paths=fonts,
                                      ignore_system_fonts=True)
            self._compilers[language] = compiler
        return compiler

    def warm_up(self, languages: Iterable[str]) -> None:
        """Load the compilers and fonts of ``languages`` before the first letter needs them."""
        for language in languages:
            self.compiler(language).compile(input=b'#set text(font: "Liberation Sans")\nAe',
                                            format="pdf", pdf_tags=False)

    def _refuse_packages(self) -> None:
        stamp = {p: p.stat().st_mtime for p in _sources(self.root)}
        if stamp != self._checked:
            problems = package_imports(self.root)
            if problems:
                raise problems[0]
            self._checked = stamp

    def render_pdf(self, template: str, variables: Mapping[str, Any], *,
                   identifier: str) -> bytes:
        """Render ``template`` (a .typ path inside the tree) with the letter's variables.

        ``identifier`` (the letter key) is not needed for reproducibility (the compiler's
        /ID is a hash of the document) but is named in every error.
        """
        import typst

        self._refuse_packages()
        letter = variables["letter"]
        day = dt.date.fromisoformat(str(letter.date_iso))
        stamp = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
        try:
            pdf, warnings = self.compiler(str(letter.language)).compile_with_warnings(
                input=str(self.root / template), sys_inputs=sys_inputs(variables),
                format="pdf", timestamp=stamp, pdf_tags=False)
        except typst.TypstError as exc:
            raise template_error(exc, self.root, template) from None
        except Exception as exc:  # the compiler's other failures mean "no letter" too
            raise RenderError(f"{template} ({identifier}): the typst engine failed: {exc}"
                              ) from exc
        if warnings:
            first = template_error(warnings[0], self.root, template)
            raise RenderError(f"{identifier}: " + "; ".join(
                dict.fromkeys(str(getattr(w, "message", w)) for w in warnings)),
                file=first.file, line=first.line)
        if not isinstance(pdf, bytes):
            raise RenderError(f"{template} ({identifier}): the typst engine returned no PDF")
        return pdf
