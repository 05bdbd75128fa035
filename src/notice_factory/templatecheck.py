"""What the legal team runs before a batch does: check, preview and describe templates.

``check_templates`` reports every problem of a templates tree (or one template) with
file and line, in plain words: broken metadata, a kind missing in a language, Jinja
syntax errors, variables the context does not define, variables declared but unused,
Word tags split across runs, fonts the machine lacks, and, after rendering each
template with its sample case, any rendering warning, a missing mandatory mention or
a forbidden phrase.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import subprocess
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
from pypdf import PdfReader

from notice_factory.cases import all_errors, parse_case
from notice_factory.catalog import (
    Catalog,
    TemplateSpec,
    forbidden_found,
    load_catalog,
    missing_mentions,
)
from notice_factory.context import (
    VARIABLE_NAMES,
    TemplateContext,
    describe_variables,
    group_types,
)
from notice_factory.errors import CaseError, NoticeFactoryError, TemplateError
from notice_factory.ladder import check_ladders
from notice_factory.model import Case, Kind, Locale
from notice_factory.render import LetterRenderer
from notice_factory.render.html import local_names
from notice_factory.s10 import make_s10
from notice_factory.settings import SenderProfile, load_sender_profile
from notice_factory.window import check_first_page

SAMPLE_DATE = dt.date(2026, 11, 23)
#: Each variable group and its type (typst templates' static check of ``group.field``).
_GROUPS = group_types()
#: The service indicator of a specimen's registered number: no operator issues ZZ items.
SPECIMEN_SERVICE = "ZZ"


@dataclass
class CheckReport:
    problems: list[TemplateError] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def locale_of(language: str) -> Locale:
    return next(loc for loc in Locale if loc.language == language)


def load_sample(spec: TemplateSpec, case_file: Path | None = None,
                batch_date: dt.date = SAMPLE_DATE) -> Case:
    """The case a template is previewed and checked with (its sample.json by default)."""
    path = case_file or spec.sample
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except (OSError, json.JSONDecodeError) as exc:
        raise TemplateError(f"cannot read the sample case: {exc}", file=str(path)) from None
    if isinstance(data, list):
        data = data[0] if data else {}
    try:
        return parse_case(data, 1, batch_date=batch_date)
    except CaseError as err:
        raise TemplateError("the sample case is invalid: " + "; ".join(
            e.format_message() for e in all_errors(err)), file=str(path)) from None


def find_spec(catalog: Catalog, name: str) -> TemplateSpec:
    """A template by id ("fr.reminder") or folder ("templates/fr/reminder")."""
    p = Path(name)
    if p.name == "template.toml":
        p = p.parent
    for spec in catalog.templates.values():
        if spec.id == name or (p.exists() and spec.folder.resolve() == p.resolve()):
            return spec
    raise TemplateError(f"no template '{name}' (give an id like fr.reminder or a folder like "
                        "templates/fr/reminder)", file=str(catalog.root))


def tree_of(name: str) -> Path | None:
    """The templates tree a template folder path belongs to (for checking a copy)."""
    p = Path(name)
    if p.name == "template.toml":
        p = p.parent
    if (p / "template.toml").is_file():
        return p.resolve().parent.parent
    return None


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def render_png(pdf_path: Path, png_path: Path) -> None:
    """Page 1 as a PNG, for a reviewer (poppler's pdftoppm)."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise NoticeFactoryError("pdftoppm is not installed (apt-get install poppler-utils)")
    stem = png_path.with_suffix("")
    subprocess.run([tool, "-png", "-r", "110", "-f", "1", "-l", "1", "-singlefile",
                    str(pdf_path), str(stem)], check=True, capture_output=True, timeout=120)


def preview(spec: TemplateSpec, renderer: LetterRenderer, sender: SenderProfile,
            case_file: Path | None = None) -> tuple[bytes, TemplateContext]:
    case = load_sample(spec, case_file)
    if case.kind is not spec.kind or case.locale.language != spec.language:
        raise TemplateError(f"the case is a {case.locale.value} {case.kind.value}, not a "
                            f"{spec.language} {spec.kind.value}",
                            file=str(case_file or spec.sample))
    entity = sender.entity(case.locale)
    number = _sample_number(sender, case.locale) if case.registered else ""
    _, ctx = renderer.context_for(case, entity, batch_date=SAMPLE_DATE,
                                  tracking_number=number)
    pdf = renderer.render_copies(spec, ctx, identifier=case.letter_key)
    return watermark(pdf), ctx


def _sample_number(sender: SenderProfile, locale: Locale) -> str:
    """A clearly fake registered number for a specimen, never one of the ledger's: service
    ZZ (no registered-item service) and serial 00000000, with the sender's country.

    >>> from notice_factory.settings import load_sender_profile
    >>> _sample_number(load_sender_profile(), Locale.FR_FR)
    'ZZ000000005FR'
    """
    return make_s10(SPECIMEN_SERVICE, 0, sender.entity(locale).postal.country)


def watermark(pdf: bytes, text: str = "SPECIMEN") -> bytes:
    """``pdf`` with ``text`` across every page, large, grey and see-through: a preview is a
    specimen, never a letter to post (whatever signature or seal it shows)."""
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            box = [float(v) for v in page.mediabox]
            width, height = box[2] - box[0], box[3] - box[1]
            stamp = pikepdf.new()
            stamp.add_blank_page(page_size=(width, height))
            sheet = stamp.pages[0]
            sheet.Resources = pikepdf.Dictionary(
                Font=pikepdf.Dictionary(W=pikepdf.Dictionary(
                    Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                    BaseFont=pikepdf.Name("/Helvetica-Bold"))),
                ExtGState=pikepdf.Dictionary(G=pikepdf.Dictionary(ca=0.22, CA=0.22)))
            size = width / 6  # "SPECIMEN" at 45 degrees fills the diagonal of an A4
            content = (f"q /G gs 0.55 0.05 0.05 rg BT /W {size:.1f} Tf 0.7071 0.7071 -0.7071 "
                       f"0.7071 {width * 0.2:.1f} {height * 0.22:.1f} Tm ({text}) Tj ET Q")
            sheet.Contents = stamp.make_stream(content.encode("ascii"))
            page.add_overlay(doc.copy_foreign(stamp.pages[0].as_form_xobject()),
                             pikepdf.Rectangle(*box))
        out = io.BytesIO()
        doc.save(out, deterministic_id=True)
    return out.getvalue()


def variables_table(catalog: Catalog, sender: SenderProfile,
                    spec: TemplateSpec | None = None) -> list[tuple[str, str, str]]:
    """(name, meaning, example) for every variable, examples from a real sample context."""
    chosen = spec or catalog.templates.get(("fr", Kind.PLAN_AGREEMENT)) or next(
        iter(catalog.templates.values()))
    with LetterRenderer(catalog) as renderer:
        case = load_sample(chosen)
        _, ctx = renderer.context_for(case, sender.entity(case.locale), batch_date=SAMPLE_DATE,
                                      tracking_number=_sample_number(sender, case.locale))
    return [(v.name, v.meaning, v.example) for v in describe_variables(ctx)]


def _static_checks(spec: TemplateSpec, catalog: Catalog, report: CheckReport,
                   env: jinja2.Environment, broken_shared: frozenset[str] = frozenset()) -> bool:
    """Syntax and variables; False when the template cannot be rendered at all.

    A shared file it extends, imports or includes (``_layout.html``, ``_macros.html``,
    ``_common/``) is checked once by :func:`shared_problems`; a broken one makes this template
    unrenderable without being reported again here.
    """
    used: set[str] = set()
    if spec.engine == "html":
        source = spec.path.read_text(encoding="utf-8")
        try:
            ast = env.parse(source, name=spec.file, filename=str(spec.path))
        except jinja2.TemplateSyntaxError as exc:
            report.problems.append(TemplateError(f"Jinja syntax error: {exc.message}",
                                                 file=str(spec.path), line=exc.lineno))
            return False
        own = _unknown_names(ast, env)
        for name, line in own:
            report.problems.append(TemplateError(
                f"uses '{name}', which is not a template variable (see `notice-factory "
                "templates vars`)", file=str(spec.path), line=line))
        refs = _referenced(env, ast, spec, source, report)
        if refs is None or own or refs & broken_shared:
            return False
        used = _undeclared(ast) | set().union(*(_undeclared(env.parse(
            env.loader.get_source(env, ref)[0])) for ref in refs))  # type: ignore[union-attr]
    elif spec.engine == "typst":
        from notice_factory.render.typst import package_imports, variable_uses

        problems = [p for p in package_imports(catalog.root)
                    if p.file and Path(p.file).is_relative_to(spec.folder.parent)]
        used, unknown = variable_uses(spec.path, catalog.root, _GROUPS)
        report.problems.extend(problems + unknown)
        if problems:
            return False
    else:
        from notice_factory.render.docx import docx_problems, docx_variables

        problems = docx_problems(spec.path)
        report.problems.extend(problems)
        if problems:
            return False
        used = docx_variables(spec.path)
    _declared_checks(spec, used, report, env)
    return True


def _declared_checks(spec: TemplateSpec, used: set[str], report: CheckReport,
                     env: jinja2.Environment) -> None:
    declared = set(spec.variables)
    for name in sorted(declared - set(VARIABLE_NAMES)):
        report.problems.append(TemplateError(f"declares variable '{name}', which the context "
                                             "does not define", file=str(spec.metadata_file),
                                             line=_meta_line(spec, "variables")))
    for name in sorted(declared - used):
        report.problems.append(TemplateError(
            f"declares variable '{name}' but the template never uses it",
            file=str(spec.metadata_file), line=_meta_line(spec, "variables")))
    for name in sorted(used - declared - set(env.globals)):
        report.problems.append(TemplateError(
            f"uses variable '{name}' but does not declare it in 'variables'",
            file=str(spec.metadata_file), line=_meta_line(spec, "variables")))


def _undeclared(ast: jinja2.nodes.Template) -> set[str]:
    """Variables a template reads from the context (names it binds itself excluded)."""
    return set(jinja2.meta.find_undeclared_variables(ast)) - local_names(ast)


def _unknown_names(ast: jinja2.nodes.Template,
                   env: jinja2.Environment) -> list[tuple[str, int | None]]:
    """Context names a template reads that the context does not define, each with the line
    where it is first read."""
    unknown = _undeclared(ast) - set(VARIABLE_NAMES) - set(env.globals)
    lines: dict[str, int] = {}
    for node in ast.find_all(jinja2.nodes.Name):
        if node.name in unknown and node.ctx == "load":
            lines[node.name] = min(lines.get(node.name, node.lineno), node.lineno)
    return [(name, lines.get(name)) for name in sorted(unknown)]


def _referenced(env: jinja2.Environment, ast: jinja2.nodes.Template, spec: TemplateSpec,
                source: str, report: CheckReport) -> set[str] | None:
    """Every template this one extends, imports or includes, through the whole chain; None
    (reported) when one does not exist. Syntax errors of shared files are shared_problems'."""
    found: set[str] = set()
    todo = [r for r in jinja2.meta.find_referenced_templates(ast) if r is not None]
    while todo:
        ref = todo.pop()
        if ref in found:
            continue
        found.add(ref)
        try:
            src = env.loader.get_source(env, ref)[0]  # type: ignore[union-attr]
            todo.extend(r for r in jinja2.meta.find_referenced_templates(env.parse(src))
                        if r is not None)
        except jinja2.TemplateNotFound:
            report.problems.append(TemplateError(f"extends or includes '{ref}', which does "
                                                 "not exist", file=str(spec.path),
                                                 line=_line_with(source, ref)))
            return None
        except jinja2.TemplateSyntaxError:
            continue  # reported once, at its own file and line, by shared_problems
    return found


def shared_problems(root: Path, env: jinja2.Environment) -> dict[str, list[TemplateError]]:
    """The shared HTML files of a tree (``_common/``, a language's ``_layout.html``,
    ``_macros.html``, ...), each checked once: syntax errors and unknown variables at their
    own file and line. Keyed by template name ("fr/_layout.html"); only files with problems."""
    found: dict[str, list[TemplateError]] = {}
    for path in sorted(root.rglob("*.html")):
        rel = path.relative_to(root)
        if rel.parts[0] == "_slips" or not any(part.startswith("_") for part in rel.parts):
            continue
        name = rel.as_posix()
        try:
            ast = env.parse(path.read_text(encoding="utf-8"), name=name, filename=str(path))
        except jinja2.TemplateSyntaxError as exc:
            found[name] = [TemplateError(f"Jinja syntax error: {exc.message}", file=str(path),
                                         line=exc.lineno)]
            continue
        problems = [TemplateError(f"uses '{var}', which is not a template variable (see "
                                  "`notice-factory templates vars`)", file=str(path), line=line)
                    for var, line in _unknown_names(ast, env)]
        if problems:
            found[name] = problems
    return found


def _line_with(source: str, needle: str) -> int | None:
    for n, line in enumerate(source.splitlines(), start=1):
        if needle in line:
            return n
    return None


def _meta_line(spec: TemplateSpec, key: str) -> int | None:
    return _line_with(spec.metadata_file.read_text(encoding="utf-8"), f"{key} =")


def missing_fonts(families: tuple[str, ...]) -> list[str]:
    """Font families fontconfig does not know on this machine."""
    tool = shutil.which("fc-list")
    if tool is None:
        return list(families)
    out = subprocess.run([tool, ":", "family"], capture_output=True, text=True, timeout=60).stdout
    known = {name.strip().lower() for line in out.splitlines() for name in line.split(",")}
    return [f for f in families if f.lower() not in known]


def check_templates(root: Path | None = None, only: str | None = None,
                    sender: SenderProfile | None = None) -> CheckReport:
    """Check a whole tree, or one template of it (``only``: id or folder)."""
    catalog = load_catalog(root)
    report = CheckReport()
    specs = list(catalog.templates.values())
    if only is not None:
        specs = [find_spec(catalog, only)]
        report.problems.extend(p for p in catalog.problems
                               if p.file and str(specs[0].folder) in p.file)
    else:
        report.problems.extend(catalog.problems)
        report.problems.extend(check_ladders(catalog.root))
    profile = sender or load_sender_profile()
    with LetterRenderer(catalog) as renderer:
        shared = shared_problems(catalog.root, renderer.html.env)
        languages = {spec.language for spec in specs}
        for name, problems in shared.items():
            if name.split("/")[0] in languages or name.startswith("_common/"):
                report.problems.extend(problems)
        for spec in specs:
            report.checked.append(spec.id)
            if not _static_checks(spec, catalog, report, renderer.html.env,
                                  frozenset(shared)):
                continue
            for font in missing_fonts(spec.fonts):
                report.problems.append(TemplateError(
                    f"needs font '{font}', which this machine lacks (text would print in "
                    "another font or as empty boxes)", file=str(spec.metadata_file),
                    line=_meta_line(spec, "fonts")))
            try:
                pdf, ctx = preview(spec, renderer, profile)
            except NoticeFactoryError as err:
                problem = err if isinstance(err, TemplateError) else TemplateError(
                    f"rendering the sample case failed: {err.format_message()}",
                    file=str(spec.path))
                # A shared typst file's error (fr/_layout.typ) is reported once, at its line.
                if not any(p.format_message() == problem.format_message()
                           for p in report.problems):
                    report.problems.append(problem)
                continue
            report.problems.extend(_rendered_checks(spec, catalog, pdf, ctx, profile))
    return report


def _rendered_checks(spec: TemplateSpec, catalog: Catalog, pdf: bytes, ctx: TemplateContext,
                     profile: SenderProfile) -> list[TemplateError]:
    """What the sample letter, as rendered, breaks: mandatory mentions, forbidden wording and
    the envelope windows of the profile (page 1 as every batch checks it)."""
    problems = []
    text = pdf_text(pdf)
    for m in missing_mentions(text, catalog.required_mentions(spec.language, spec.kind),
                              ctx.as_dict()):
        problems.append(TemplateError(
            f"mandatory mention '{m.id}' is missing from the rendered letter: {m.what}"
            + (f" ({m.source})" if m.source else ""), file=str(spec.path)))
    for m in forbidden_found(text, catalog.forbidden_phrases(spec.language)):
        problems.append(TemplateError(
            f"forbidden wording '{m.texts[0]}' appears in the rendered letter: {m.what}",
            file=str(spec.path), line=_line_with(spec.path.read_text(
                encoding="utf-8", errors="replace"), m.texts[0])))
    for name, window in sorted(profile.windows.items()):
        broken = check_first_page(pdf, window, address_lines=ctx.debtor.address_lines,
                                  tracking_number=ctx.letter.tracking_number,
                                  return_line=ctx.letter.return_address)
        if broken:
            problems.append(TemplateError(
                f"the sample's first page does not fit the {name} window envelope: "
                + "; ".join(broken), file=str(spec.path)))
    return problems
