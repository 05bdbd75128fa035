"""The templates tree: which template serves each (language, kind), its metadata, and the
mandatory mentions the legal team declared for each kind.

Layout (see docs/design.md)::

    templates/<language>/<kind>/template.toml   metadata (validated here, versioned)
    templates/<language>/<kind>/letter.html     or letter.docx, as the metadata says
    templates/<language>/mentions.toml          mandatory and forbidden phrases, as data

Problems are collected, not raised one by one, so ``templates check`` can report all of
them with file and line; :meth:`Catalog.template` raises for the one a letter needs.

>>> text_contains("Mise en\\ndemeure de payer", "Mise en demeure")
True
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import jinja2.sandbox

from notice_factory.errors import TemplateError
from notice_factory.model import Kind, Locale
from notice_factory.settings import templates_root

LANGUAGES: tuple[str, ...] = tuple(loc.language for loc in Locale)
ENGINES = ("html", "docx", "typst")
#: The file type each engine reads.
ENGINE_SUFFIX = {"html": ".html", "docx": ".docx", "typst": ".typ"}
_VERSION = re.compile(r"\d+\.\d+(\.\d+)?")
_WS = re.compile(r"\s+")
# Conditions of mentions are evaluated in the sandbox too: mentions.toml is the legal team's data.
_CONDITIONS = jinja2.sandbox.ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined)


@dataclass(frozen=True)
class TemplateSpec:
    """One template and its validated metadata."""

    id: str
    kind: Kind
    language: str
    version: str
    engine: str
    file: str  # path inside the templates tree, e.g. "fr/reminder/letter.html"
    folder: Path
    approved_by: str
    approved_on: dt.date
    fonts: tuple[str, ...] = ()
    stylesheets: tuple[str, ...] = ()
    variables: tuple[str, ...] = ()
    metadata_file: Path = Path()

    @property
    def path(self) -> Path:
        return self.folder.parent.parent / self.file

    @property
    def sample(self) -> Path:
        return self.folder / "sample.json"


@dataclass(frozen=True)
class Mention:
    """A phrase the legal team requires (or forbids) in a kind's letters."""

    id: str
    what: str
    texts: tuple[str, ...]  # any one of them satisfies the mention
    source: str = ""
    kind: Kind | None = None  # None for forbidden phrases (all kinds)
    file: str = ""
    # A condition on the letter's variables, e.g. "case.new_credit_law": the mention is
    # required only when it holds. Empty: always required.
    when: str = ""


@dataclass
class Catalog:
    root: Path
    templates: dict[tuple[str, Kind], TemplateSpec] = field(default_factory=dict)
    mentions: dict[tuple[str, Kind], list[Mention]] = field(default_factory=dict)
    forbidden: dict[str, list[Mention]] = field(default_factory=dict)
    problems: list[TemplateError] = field(default_factory=list)

    def template(self, locale: Locale, kind: Kind) -> TemplateSpec:
        spec = self.templates.get((locale.language, kind))
        if spec is None:
            related = [p.format_message() for p in self.problems
                       if f"/{locale.language}/{kind.value}/" in (p.file or "")]
            why = f" ({'; '.join(related)})" if related else ""
            raise TemplateError(f"no usable {kind.value} template for language "
                                f"{locale.language}{why}", file=str(self.root))
        return spec

    def required_mentions(self, language: str, kind: Kind) -> list[Mention]:
        return self.mentions.get((language, kind), [])

    def forbidden_phrases(self, language: str) -> list[Mention]:
        return self.forbidden.get(language, [])


def load_catalog(root: Path | None = None) -> Catalog:
    """Read every template's metadata and every language's mentions under ``root``."""
    cat = Catalog(root=(root or templates_root()).resolve())
    if not cat.root.is_dir():
        cat.problems.append(TemplateError("the templates folder does not exist",
                                          file=str(cat.root)))
        return cat
    for language in LANGUAGES:
        lang_dir = cat.root / language
        if not lang_dir.is_dir():
            cat.problems.append(TemplateError(f"language {language} has no templates folder",
                                              file=str(lang_dir)))
            continue
        for kind in Kind:
            folder = lang_dir / kind.value
            meta = folder / "template.toml"
            if not meta.is_file():
                cat.problems.append(TemplateError(
                    f"kind {kind.value} is missing in language {language} (no template.toml)",
                    file=str(folder)))
                continue
            try:
                cat.templates[(language, kind)] = _read_spec(meta, cat.root, language, kind)
            except TemplateError as err:
                cat.problems.append(err)
        _read_mentions(cat, language, lang_dir / "mentions.toml")
    return cat


def _toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        # Python 3.11 puts the position only in the message: "... (at line 3, column 5)".
        found = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        line = getattr(exc, "lineno", None) or (int(found.group(1)) if found else None)
        raise TemplateError(f"not valid TOML: {getattr(exc, 'msg', exc)}", file=str(path),
                            line=line) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(f"cannot read: {exc}", file=str(path)) from None


def _line_of(path: Path, key: str) -> int | None:
    """The line where ``key =`` is set, so metadata errors point at it."""
    try:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if re.match(rf"\s*{re.escape(key)}\s*=", line):
                return n
    except OSError:
        pass
    return None


def _read_spec(meta: Path, root: Path, language: str, kind: Kind) -> TemplateSpec:
    data = _toml(meta)

    def need(key: str, table: Mapping[str, Any] = data, where: str = "") -> Any:
        if key not in table:
            raise TemplateError(f"metadata lacks '{where}{key}'", file=str(meta))
        return table[key]

    def bad(key: str, why: str) -> TemplateError:
        return TemplateError(f"{key}: {why}", file=str(meta), line=_line_of(meta, key))

    if need("kind") != kind.value:
        raise bad("kind", f"says '{data['kind']}' but the folder is {kind.value}")
    if need("language") != language:
        raise bad("language", f"says '{data['language']}' but the folder is {language}")
    version = str(need("version"))
    if not _VERSION.fullmatch(version):
        raise bad("version", f"'{version}' is not a version like 1.0.0")
    engine = need("engine")
    if engine not in ENGINES:
        raise bad("engine", f"'{engine}' is not one of {', '.join(ENGINES)}")
    file_name = str(need("file"))
    target = (meta.parent / file_name).resolve()
    if not target.is_relative_to(meta.parent.resolve()) or not target.is_file():
        raise bad("file", f"'{file_name}' does not exist in {meta.parent}")
    expected_suffix = ENGINE_SUFFIX[engine]
    if target.suffix != expected_suffix:
        raise bad("file", f"engine {engine} needs a {expected_suffix} file, not '{file_name}'")
    approval = need("approval")
    if not isinstance(approval, dict):
        raise bad("approval", "must be a table with 'by' and 'on'")
    approved_on = need("on", approval, "approval.")
    if not isinstance(approved_on, dt.date):
        raise bad("on", "must be a date like 2026-11-20")
    tid = str(need("id"))
    if tid != f"{language}.{kind.value}":
        raise bad("id", f"'{tid}' should be '{language}.{kind.value}'")

    def strings(key: str) -> tuple[str, ...]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise bad(key, "must be a list of strings")
        return tuple(value)

    return TemplateSpec(
        id=tid, kind=kind, language=language, version=version, engine=engine,
        file=target.relative_to(root).as_posix(), folder=meta.parent,
        approved_by=str(need("by", approval, "approval.")), approved_on=approved_on,
        fonts=strings("fonts"), stylesheets=strings("stylesheets"),
        variables=strings("variables"), metadata_file=meta,
    )


def _read_mentions(cat: Catalog, language: str, path: Path) -> None:
    if not path.is_file():
        cat.problems.append(TemplateError(f"language {language} declares no mandatory mentions",
                                          file=str(path)))
        return
    try:
        data = _toml(path)
    except TemplateError as err:
        cat.problems.append(err)
        return
    for key, items in data.items():
        kind = None
        if key != "forbidden":
            try:
                kind = Kind(key)
            except ValueError:
                cat.problems.append(TemplateError(f"[[{key}]] is not a document kind",
                                                  file=str(path), line=_line_of_table(path, key)))
                continue
        if not isinstance(items, list):
            cat.problems.append(TemplateError(f"{key} must be written [[{key}]]", file=str(path)))
            continue
        for n, item in enumerate(items):
            try:
                mention = _mention(item, kind, key, n, path)
            except TemplateError as err:
                cat.problems.append(err)
                continue
            if kind is None:
                cat.forbidden.setdefault(language, []).append(mention)
            else:
                cat.mentions.setdefault((language, kind), []).append(mention)


def _mention(item: dict[str, Any], kind: Kind | None, key: str, n: int, path: Path) -> Mention:
    """Entry ``n`` of ``[[key]]`` in ``path`` as a :class:`Mention`, or why it cannot be."""
    texts = item.get("any") or ([item["text"]] if "text" in item else [])
    if not item.get("id") or not texts or not all(isinstance(t, str) for t in texts):
        raise TemplateError(f"[[{key}]] entry {n + 1} needs an id and a text (or any = [...])",
                            file=str(path), line=_line_of_table(path, key, n))
    when = item.get("when", "")
    try:
        _CONDITIONS.compile_expression(when) if when else None
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(
            f"[[{key}]] '{item['id']}': the condition when = \"{when}\" is not valid: "
            f"{exc.message}", file=str(path), line=_line_of_table(path, key, n)) from None
    return Mention(id=item["id"], what=item.get("what", item["id"]), texts=tuple(texts),
                   source=item.get("source", ""), kind=kind, file=str(path), when=when)


def _line_of_table(path: Path, key: str, index: int = 0) -> int | None:
    seen = -1
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip() == f"[[{key}]]":
            seen += 1
            if seen == index:
                return n
    return None


def squash(text: str) -> str:
    """Text without any whitespace: PDF extraction breaks lines anywhere, CJK has no spaces."""
    return _WS.sub("", text).replace("\u00ad", "")


def text_contains(haystack: str, phrase: str) -> bool:
    return squash(phrase) in squash(haystack)


def applicable(mentions: list[Mention], variables: Mapping[str, Any]) -> list[Mention]:
    """The mentions whose ``when`` condition holds for a letter's variables."""
    return [m for m in mentions
            if not m.when or bool(_CONDITIONS.compile_expression(m.when)(**variables))]


def missing_mentions(text: str, mentions: list[Mention],
                     variables: Mapping[str, Any] | None = None) -> list[Mention]:
    """The mentions none of whose phrases appear in ``text`` (those that apply, given
    the letter's ``variables``; all of them when no variables are given)."""
    due = applicable(mentions, variables) if variables is not None else mentions
    flat = squash(text)
    return [m for m in due if not any(squash(t) in flat for t in m.texts)]


def forbidden_found(text: str, forbidden: list[Mention]) -> list[Mention]:
    flat = squash(text).lower()
    return [m for m in forbidden if any(squash(t).lower() in flat for t in m.texts)]
