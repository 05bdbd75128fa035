"""HTML templates to PDF: Jinja's sandbox, then WeasyPrint, confined and deterministic.

Templates come from another team, and case data from files nobody checked, so:

* Jinja runs sandboxed with autoescape and ``StrictUndefined``: a misspelt variable
  is an error, and a debtor called ``<img src=x>`` prints those characters literally.
* WeasyPrint may only read files inside the templates tree (``ConfinedFetcher``):
  no network, no ``file:///etc/passwd``; ``data:`` URLs are allowed (inline images).
* Any warning WeasyPrint logs while rendering (a missing resource, a bad CSS rule)
  fails the letter instead of silently printing a degraded one.
* The same input gives the same bytes: creation dates come from the letter date and
  the PDF identifier from the letter's key, never from the clock or randomness.

One :class:`HtmlEngine` per process keeps the expensive parts warm: the Jinja
environment, one ``FontConfiguration`` (reusing it avoids a per-letter leak) and
the parsed style sheets.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import zlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jinja2
import jinja2.nodes
import jinja2.sandbox
from weasyprint import CSS, HTML, URLFetcher
from weasyprint.text.fonts import FontConfiguration

from notice_factory.errors import RenderError, TemplateError
from notice_factory.fonts import generated_font_path

_WEASY_LOGGERS = ("weasyprint", "weasyprint.progress")

# zlib level of the PDF's streams (content, fonts, images). pydyf, WeasyPrint's PDF writer,
# deflates every stream at level 9 and offers no option (pydyf 0.13: ``Stream.data`` calls
# ``zlib.compressobj(level=9)``; WeasyPrint's ``write_pdf`` only has ``uncompressed_pdf``).
# Level 6, zlib's default, makes a letter 1.00-1.34x faster for a few bytes more (issue 16).
FLATE_LEVEL = 6


class _Flate:
    """The zlib module as pydyf sees it: the same, except that it deflates at FLATE_LEVEL."""

    def __getattr__(self, name: str) -> Any:
        return getattr(zlib, name)

    @staticmethod
    def compressobj(level: int = -1, *args: Any, **kwargs: Any) -> Any:
        return zlib.compressobj(FLATE_LEVEL, *args, **kwargs)

    @staticmethod
    def compress(data: bytes, /, level: int = -1) -> bytes:
        return zlib.compress(data, FLATE_LEVEL)


def set_flate_level() -> None:
    """Make pydyf deflate at :data:`FLATE_LEVEL` (once per process; the one place it is set)."""
    import pydyf

    if getattr(pydyf, "zlib", None) is zlib:
        pydyf.zlib = _Flate()


class ConfinedFetcher(URLFetcher):  # type: ignore[misc]
    """A url_fetcher that serves only files under the given roots, and data: URLs."""

    def __init__(self, roots: Sequence[Path]) -> None:
        super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False)
        self.roots = tuple(r.resolve() for r in roots)

    def fetch(self, url: str, headers: Any = None) -> Any:
        parts = urlsplit(url)
        if parts.scheme == "file":
            path = Path(unquote(parts.path)).resolve()
            if not any(path.is_relative_to(root) for root in self.roots):
                raise PermissionError(f"{url} is outside the templates folder")
            font = generated_font_path(path, self.roots)
            if font is not None:  # templates/_fonts/*.otf: built on first use (fonts.py)
                url = font.as_uri()
        elif parts.scheme != "data":
            raise PermissionError(f"{url}: only files of the templates folder may be loaded")
        return super().fetch(url, headers)


class _WarningCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


_capture_lock = threading.Lock()


@contextmanager
def _weasyprint_warnings() -> Iterator[list[str]]:
    collector = _WarningCollector()
    with _capture_lock:
        loggers = [logging.getLogger(name) for name in _WEASY_LOGGERS]
        for lg in loggers:
            lg.addHandler(collector)
        try:
            yield collector.messages
        finally:
            for lg in loggers:
                lg.removeHandler(collector)


def make_environment(root: Path, filters: Mapping[str, Any] | None = None) -> jinja2.Environment:
    """The sandboxed Jinja environment every engine (HTML and DOCX) uses."""
    env = jinja2.sandbox.ImmutableSandboxedEnvironment(
        loader=jinja2.FileSystemLoader(str(root)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters.update(filters or {})
    return env


def local_names(ast: jinja2.nodes.Template) -> set[str]:
    """Names a template binds itself ({% set %}, {% for %}, {% macro %}, imports).

    Meta analysis reports them as undeclared although they are not template variables.

    >>> env = jinja2.Environment()
    >>> sorted(local_names(env.parse("{% import 'm.html' as m %}{% set x = 1 %}"
    ...                              "{% for i in y %}{% endfor %}")))
    ['i', 'm', 'x']
    """
    names: set[str] = set()
    for node in ast.find_all((jinja2.nodes.Assign, jinja2.nodes.AssignBlock, jinja2.nodes.For,
                              jinja2.nodes.Macro, jinja2.nodes.Import, jinja2.nodes.FromImport)):
        if isinstance(node, jinja2.nodes.Import):
            names.add(node.target)
        elif isinstance(node, jinja2.nodes.FromImport):
            names.update(n if isinstance(n, str) else n[1] for n in node.names)
        elif isinstance(node, jinja2.nodes.Macro):
            names.add(node.name)
        elif isinstance(node, jinja2.nodes.Assign | jinja2.nodes.AssignBlock | jinja2.nodes.For):
            # find_all walks descendants only: a plain `x` target is the node itself.
            target = node.target
            found = [target] if isinstance(target, jinja2.nodes.Name) else list(
                target.find_all(jinja2.nodes.Name))
            names.update(n.name for n in found)
    return names


class HtmlEngine:
    """Renders HTML templates of one templates tree to PDF bytes."""

    def __init__(self, root: Path, filters: Mapping[str, Any] | None = None) -> None:
        set_flate_level()
        self.root = root.resolve()
        self.env = make_environment(self.root, filters)
        self.fetcher = ConfinedFetcher([self.root])
        self.font_config = FontConfiguration()
        self._css: dict[str, CSS] = {}

    def stylesheet(self, name: str) -> CSS:
        """A parsed style sheet of the tree, parsed once per engine."""
        css = self._css.get(name)
        if css is None:
            path = (self.root / name).resolve()
            if not path.is_relative_to(self.root) or not path.is_file():
                raise TemplateError(f"style sheet {name} not found in {self.root}")
            with _weasyprint_warnings() as warnings:
                css = CSS(filename=str(path), url_fetcher=self.fetcher,
                          font_config=self.font_config)
            if warnings:
                raise TemplateError("; ".join(warnings), file=str(path))
            self._css[name] = css
        return css

    def render_html(self, template: str, variables: Mapping[str, Any]) -> str:
        """Run the Jinja template; errors name the template file and line."""
        try:
            return self.env.get_template(template).render(**variables)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(exc.message or "syntax error", file=exc.filename or template,
                                line=exc.lineno) from None
        except jinja2.TemplateError as exc:
            raise TemplateError(str(exc), file=template, line=_template_line(exc)) from None
        except Exception as exc:  # a filter or a sandboxed call failed on this letter's data
            raise TemplateError(f"{type(exc).__name__}: {exc}", file=_template_file(exc, template),
                                line=_template_line(exc)) from None

    def render_pdf(
        self,
        template: str,
        variables: Mapping[str, Any],
        *,
        stylesheets: Sequence[str] = (),
        identifier: str,
    ) -> bytes:
        """Render ``template`` (a path inside the tree) to PDF bytes.

        ``identifier`` (for example the letter key) seeds the PDF's /ID so that the
        same input always gives the same bytes.
        """
        html_text = self.render_html(template, variables)
        return self.html_to_pdf(html_text, template=template, stylesheets=stylesheets,
                                identifier=identifier)

    def html_to_pdf(self, html_text: str, *, template: str, stylesheets: Sequence[str] = (),
                    identifier: str) -> bytes:
        base_url = (self.root / template).parent.as_uri() + "/"
        sheets = [self.stylesheet(s) for s in stylesheets]
        with _weasyprint_warnings() as warnings:
            try:
                document = HTML(string=html_text, base_url=base_url,
                                url_fetcher=self.fetcher).render(
                    stylesheets=sheets, font_config=self.font_config)
                pdf = document.write_pdf(
                    pdf_identifier=hashlib.sha256(identifier.encode()).hexdigest()[:32].encode(),
                )
            except Exception as exc:  # WeasyPrint raises many kinds; all mean "no letter"
                raise RenderError(f"{template}: the PDF engine failed: {exc}") from exc
        if warnings:
            raise RenderError(f"{template}: " + "; ".join(dict.fromkeys(warnings)))
        assert isinstance(pdf, bytes)
        return pdf


def _template_file(exc: BaseException, default: str) -> str:
    tb, name = exc.__traceback__, default
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith((".html", ".xml", ".txt")):
            name = tb.tb_frame.f_code.co_filename
        tb = tb.tb_next
    return name


def _template_line(exc: BaseException) -> int | None:
    """The template line of a runtime error, found in the traceback Jinja rewrites."""
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith((".html", ".xml", ".txt")):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
