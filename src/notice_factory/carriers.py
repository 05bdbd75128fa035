"""Carrier code tables: which logistics status (and legal outcome) each operator's code means.

The mapping is data, one TOML file per operator (``carrier_codes/<key>.toml`` in the package:
``la-poste``, ``maileva``, ``china-post``, ``posta-romana``). Users extend it with their own
files (``--codes FILE`` or a folder of them, see :func:`load_codebook`): a file whose ``key`` is
already known adds or overrides codes, names and reasons of that operator; a new key adds an
operator. A file looks like::

    key = "la-poste"
    names = ["La Poste"]            # what the sender profile and the manifest print
    country = "FR"
    source = "where the codes come from"
    [codes]
    DI1 = { status = "delivered", label = "Distribué" }
    A16 = { status = "returned", outcome = "presented_refused" }
    [[reasons]]                     # read from the label when the code does not say why
    outcome = "not_presented_address"
    match = ["destinataire inconnu"]

>>> book = load_codebook()
>>> op = book.resolve("La Poste")
>>> op.key, op.classify("DI1", "Distribué")
('la-poste', (<Status.DELIVERED: 'delivered'>, None))
>>> op.classify("RE1", "Retourné à l'expéditeur: Destinataire inconnu à l'adresse")[1].value
'not_presented_address'
>>> book.resolve("poșta română").key, book.resolve("Posta Romana").key
('posta-romana', 'posta-romana')
"""

from __future__ import annotations

import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from notice_factory.errors import ConfigError
from notice_factory.outcomes import Outcome, Status

BUNDLED_CODES = Path(__file__).resolve().parent / "carrier_codes"


def fold(text: str) -> str:
    """Text compared without case or accents (Chinese is unchanged).

    >>> fold("Poșta Română"), fold("Décédé")
    ('posta romana', 'decede')
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


@dataclass(frozen=True)
class Code:
    status: Status
    outcome: Outcome | None = None
    label: str = ""


@dataclass
class Operator:
    """One operator's code table."""

    key: str
    names: list[str] = field(default_factory=list)
    country: str = ""
    source: str = ""
    codes: dict[str, Code] = field(default_factory=dict)
    reasons: list[tuple[Outcome, tuple[str, ...]]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def code(self, code: str) -> Code | None:
        return self.codes.get(code.strip().upper())

    def reason(self, label: str) -> Outcome | None:
        """The outcome a label states (first matching reason in file order), if any."""
        text = fold(label)
        for outcome, words in self.reasons:
            if any(w in text for w in words):
                return outcome
        return None

    def classify(self, code: str, label: str = "") -> tuple[Status, Outcome | None] | None:
        """(status, outcome) for a code; None when the code is unknown.

        A returned or undeliverable event whose code gives no outcome takes it from the label.
        """
        found = self.code(code)
        if found is None:
            return None
        outcome = found.outcome
        if outcome is None and found.status in (Status.RETURNED, Status.EXCEPTION):
            outcome = self.reason(label)
        return found.status, outcome


class CodeBook:
    """Every known operator, found by key or by any of its names."""

    def __init__(self, operators: Mapping[str, Operator]) -> None:
        self.operators = dict(operators)

    def resolve(self, name: str) -> Operator | None:
        wanted = fold(name)
        for op in self.operators.values():
            if wanted == fold(op.key) or any(wanted == fold(n) for n in op.names):
                return op
        return None

    def known(self) -> str:
        return ", ".join(sorted(self.operators))


def _enum(enum: type[Any], value: object, where: str, source: str) -> Any:
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise ConfigError(f"{where}: '{value}' is not one of {allowed}", file=source) from None


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the code table: {exc.strerror}", file=str(path)) from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"not a valid TOML code table: {exc}", file=str(path)) from None


def _codes(data: Mapping[str, Any], source: str) -> dict[str, Code]:
    table = data.get("codes", {})
    if not isinstance(table, dict):
        raise ConfigError("[codes] must be a table of CODE = { status = ... }", file=source)
    out = {}
    for code, entry in table.items():
        if not isinstance(entry, dict) or "status" not in entry:
            raise ConfigError(f"codes.{code}: needs at least status = \"...\"", file=source)
        status = _enum(Status, entry["status"], f"codes.{code}.status", source)
        outcome = entry.get("outcome")
        out[str(code).strip().upper()] = Code(
            status,
            None if outcome is None else _enum(Outcome, outcome, f"codes.{code}.outcome", source),
            str(entry.get("label", "")),
        )
    return out


def _reasons(data: Mapping[str, Any], source: str) -> list[tuple[Outcome, tuple[str, ...]]]:
    out = []
    for i, item in enumerate(data.get("reasons", [])):
        where = f"reasons[{i}]"
        words = item.get("match") if isinstance(item, dict) else None
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise ConfigError(f"{where}.match: must be a list of words", file=source)
        outcome = _enum(Outcome, item.get("outcome"), f"{where}.outcome", source)
        out.append((outcome, tuple(fold(w) for w in words)))
    return out


def _merge(book: dict[str, Operator], path: Path) -> None:
    source = str(path)
    data = _read(path)
    key = data.get("key")
    if not isinstance(key, str) or not key.strip():
        raise ConfigError("the code table needs key = \"operator-key\" (e.g. la-poste)",
                          file=source)
    op = book.setdefault(key, Operator(key))
    names = data.get("names", [])
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ConfigError("names: must be a list of operator names", file=source)
    op.names.extend(n for n in names if n not in op.names)
    op.country = str(data.get("country", op.country))
    op.source = str(data.get("source", op.source))
    op.codes.update(_codes(data, source))
    # A user's reasons are tried before the bundled ones: the more specific file wins.
    op.reasons[:0] = _reasons(data, source)
    op.files.append(source)


def code_files(paths: Iterable[Path]) -> list[Path]:
    """The TOML files named (folders give their ``*.toml``, sorted)."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(p.glob("*.toml")))
        elif p.is_file():
            out.append(p)
        else:
            raise ConfigError("no such code table file or folder", file=str(p))
    return out


def load_codebook(extra: Iterable[Path] = ()) -> CodeBook:
    """The bundled code tables, then the user's files (or folders) in the order given."""
    book: dict[str, Operator] = {}
    for path in code_files([BUNDLED_CODES, *extra]):
        _merge(book, path)
    return CodeBook(book)
