"""The sender profile (TOML) and where the product finds its bundled files.

A group that collects in three countries does so through three legal entities,
so the profile has one table per locale (``[fr_FR]``, ``[zh_CN]``, ``[ro_RO]``).
Every problem is reported with the dotted TOML key, e.g.
``sender-demo.toml: fr_FR.postal.ranges[0].last: must be >= first``.

>>> s = SerialRange(service="RR", first=1, last=10)
>>> s.size
10
"""

from __future__ import annotations

import base64
import difflib
import io
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from notice_factory.errors import ConfigError
from notice_factory.model import Locale
from notice_factory.rules import debt_word

PACKAGE_DIR = Path(__file__).resolve().parent
_BUNDLED = PACKAGE_DIR / "_bundled"
_REPO_ROOT = PACKAGE_DIR.parent.parent


@dataclass(frozen=True)
class Environment:
    """The product's environment variables, read here and nowhere else (README, Configuration).

    >>> Environment.read({"NOTICE_FACTORY_OFFICE_TIMEOUT": "6"}).office_timeout
    6.0
    >>> Environment.read({}).templates is None
    True
    """

    templates: Path | None  # NOTICE_FACTORY_TEMPLATES: the templates tree
    font_cache: Path | None  # NOTICE_FACTORY_FONT_CACHE: where the cut Chinese fonts are built
    soffice: str | None  # NOTICE_FACTORY_SOFFICE: path of LibreOffice's soffice
    office_python: str | None  # NOTICE_FACTORY_OFFICE_PYTHON: a Python that can import uno
    office_timeout: float  # NOTICE_FACTORY_OFFICE_TIMEOUT: seconds per Word letter (60)
    cluster_timeout: float  # NOTICE_FACTORY_CLUSTER_TIMEOUT: seconds to reach a Dask cluster (20)

    @classmethod
    def read(cls, environ: Mapping[str, str]) -> Environment:
        def get(name: str) -> str | None:
            value = environ.get(f"NOTICE_FACTORY_{name}", "").strip()
            return value or None

        templates, cache = get("TEMPLATES"), get("FONT_CACHE")
        return cls(templates=Path(templates).resolve() if templates else None,
                   font_cache=Path(cache) if cache else None, soffice=get("SOFFICE"),
                   office_python=get("OFFICE_PYTHON"),
                   office_timeout=_seconds("NOTICE_FACTORY_OFFICE_TIMEOUT",
                                           get("OFFICE_TIMEOUT"), 60.0),
                   cluster_timeout=_seconds("NOTICE_FACTORY_CLUSTER_TIMEOUT",
                                            get("CLUSTER_TIMEOUT"), 20.0))


def _seconds(name: str, raw: str | None, default: float) -> float:
    try:
        value = float(raw) if raw else default
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number of seconds") from None
    if value <= 0:
        raise ConfigError(f"{name}={raw!r} must be more than 0 seconds")
    return value


def environment() -> Environment:
    """This process's :class:`Environment` (the variables as they are now)."""
    return Environment.read(os.environ)


def templates_root() -> Path:
    """The templates tree: $NOTICE_FACTORY_TEMPLATES, the wheel's copy, or the checkout's.

    Each template folder holds a ``sample.json`` case (one case object), handy for trying
    the API:

    >>> (templates_root() / "fr" / "reminder" / "sample.json").is_file()
    True
    """
    env = environment().templates
    if env:
        return env
    bundled = _BUNDLED / "templates"
    return bundled if bundled.is_dir() else _REPO_ROOT / "templates"


def demo_sender_path() -> Path:
    bundled = _BUNDLED / "sender-demo.toml"
    return bundled if bundled.is_file() else _REPO_ROOT / "fixtures" / "sender-demo.toml"


@dataclass(frozen=True)
class SerialRange:
    """A block of UPU S10 serials an operator assigned to the sender."""

    service: str  # two letters, RA..RZ for registered items
    first: int
    last: int

    @property
    def size(self) -> int:
        return self.last - self.first + 1


@dataclass(frozen=True)
class PostalAccount:
    operator: str  # e.g. "La Poste", "中国邮政", "Poșta Română"
    country: str  # ISO alpha-2 of the operator, the S10 suffix
    deposit_office: str
    customer_id: str
    ranges: tuple[SerialRange, ...]
    #: France: the recommandé's guarantee (indemnity) level, R1, R2 or R3 (registered-post.md 2).
    guarantee: str = ""
    currency: str = ""  # of the tariffs, ISO 4217
    tariffs: tuple[Tariff, ...] = ()
    #: Where domestic items' numbers come from: "s10" (the ranges) or "imported" (the
    #: operator's lists, `ledger import-numbers`, e.g. La Poste's domestic recommandé).
    #: Items abroad always take S10 numbers from the ranges.
    domestic_numbers: str = "s10"
    #: Where the operator returns the creditor's undeliverable items, printed small at the top
    #: of the window (name first); empty: the creditor's name and address.
    return_address: tuple[str, ...] = ()

    def imported_for(self, recipient_country: str) -> bool:
        """Whether an item to ``recipient_country`` takes an imported number."""
        return self.domestic_numbers == "imported" and recipient_country.upper() == self.country

    def service_of(self, recipient_country: str, guarantee: str | None = None) -> str:
        """The service an item to ``recipient_country`` goes by, as the tariffs name it:
        ``international`` abroad, else the guarantee level (the case's ``guarantee``, else
        the profile's, e.g. ``R1``) or ``domestic``.

        >>> acct = PostalAccount("La Poste", "FR", "", "", (), guarantee="R2")
        >>> acct.service_of("BE"), acct.service_of("FR"), acct.service_of("FR", "R3")
        ('international', 'R2', 'R3')
        """
        if recipient_country.upper() != self.country:
            return "international"
        return guarantee or self.guarantee or "domestic"

    def guarantee_problem(self, recipient_country: str, guarantee: str | None) -> str | None:
        """Why a case's guarantee level cannot apply to its item, or None.

        >>> acct = PostalAccount("La Poste", "FR", "", "", (), guarantee="R1")
        >>> acct.guarantee_problem("FR", "R3") is None, acct.guarantee_problem("FR", None)
        (True, None)
        >>> acct.guarantee_problem("BE", "R3")  # doctest: +ELLIPSIS
        'the guarantee levels R1/R2/R3 apply within France; this item goes to BE as ...'
        """
        if not guarantee:
            return None
        if self.country != "FR":
            return (f"the guarantee levels R1/R2/R3 are those of La Poste's recommandé; "
                    f"{self.operator} items have none: leave guarantee empty")
        if recipient_country.upper() != self.country:
            return (f"the guarantee levels R1/R2/R3 apply within France; this item goes to "
                    f"{recipient_country.upper()} as an international registered item: leave "
                    "guarantee empty")
        return None

    def price(self, service: str, weight_g: int, acknowledgement: bool) -> Decimal | None:
        """The tariff of one item: the lightest step of ``service`` that holds ``weight_g``
        (None when the profile has no such step).

        >>> t = (Tariff("R1", 20, Decimal("5.36"), Decimal("6.71")),
        ...      Tariff("R1", 50, Decimal("6.93"), Decimal("8.28")))
        >>> acct = PostalAccount("La Poste", "FR", "", "", (), "R1", "EUR", t)
        >>> acct.price("R1", 25, True), acct.price("R1", 20, False), acct.price("R1", 60, False)
        (Decimal('8.28'), Decimal('5.36'), None)
        """
        steps = sorted((t for t in self.tariffs if t.service == service and weight_g <= t.up_to_g),
                       key=lambda t: t.up_to_g)
        if not steps:
            return None
        return steps[0].price_ar if acknowledgement else steps[0].price


@dataclass(frozen=True)
class Tariff:
    """One step of an operator's price list: items of ``service`` up to ``up_to_g`` grams."""

    service: str  # "R1" / "R2" / "R3" (France), "domestic", "international"
    up_to_g: int
    price: Decimal  # without return receipt
    price_ar: Decimal  # with return receipt (AR / 回执 / confirmare de primire)


#: Signature and seal images: at most this many bytes, and what they may be.
PICTURE_MAX_BYTES = 2_000_000
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_SVG = "{http://www.w3.org/2000/svg}svg"
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


@dataclass(frozen=True)
class Picture:
    """A signature or seal image the profile names (PNG or SVG, a file inside the profile's
    folder), read and checked when the profile is loaded.

    >>> Picture("fr_FR.creditor.signature", "s.svg", b"<svg/>", "svg").data_uri()
    'data:image/svg+xml;base64,PHN2Zy8+'
    """

    key: str  # the profile key that names it, e.g. "zh_CN.creditor.seal"
    file: str  # as the profile writes it, relative to the profile's folder
    data: bytes
    format: str  # "png" or "svg"

    def data_uri(self) -> str:
        """The image as a ``data:`` URL, which the confined HTML renderer accepts."""
        mime = "image/png" if self.format == "png" else "image/svg+xml"
        return f"data:{mime};base64,{base64.b64encode(self.data).decode('ascii')}"


@dataclass(frozen=True)
class Organisation:
    """A named body with contact details (creditor, mediator, agency, law firm...)."""

    name: str
    address: tuple[str, ...] = ()
    legal_form: str = ""
    registration: str = ""  # SIREN/RCS, 统一社会信用代码, CUI / Nr. Reg. Com., ANPC number...
    phone: str = ""
    email: str = ""
    website: str = ""
    hours: str = ""
    note: str = ""  # one sentence the letter may print (e.g. what the body does)


@dataclass(frozen=True)
class Payment:
    payee: str
    bank: str
    iban: str = ""  # FR/RO
    bic: str = ""
    account: str = ""  # CN 账号
    note: str = ""


@dataclass(frozen=True)
class Lawyer:
    name: str
    firm: str
    bar: str  # barreau / 律师事务所 licence authority / barou
    licence: str
    address: tuple[str, ...] = ()
    phone: str = ""
    email: str = ""
    mandate_ref: str = ""
    #: The firm posts its letters: its own account at the operator (contract / customer id),
    #: or, said on purpose, the creditor's (``creditor_postal_account = true``).
    postal_account: str = ""
    creditor_postal_account: bool = False
    #: Where undeliverable lawyer letters go back to; empty: the firm's name and address.
    return_address: tuple[str, ...] = ()
    signature: Picture | None = None  # the lawyer's signature ([<locale>.lawyer] signature)
    seal: Picture | None = None  # the firm's seal (律师事务所公章; [<locale>.lawyer] seal)


@dataclass(frozen=True)
class Agency:
    name: str
    registration: str
    address: tuple[str, ...] = ()
    phone: str = ""
    email: str = ""
    mandate_ref: str = ""
    mandate_date: str = ""


@dataclass(frozen=True)
class Entity:
    """Everything a letter in one locale needs to know about its sender."""

    locale: Locale
    place: str  # where letters are dated ("Paris", "北京", "București")
    signatory: str  # name and function signing the letters
    creditor: Organisation
    payment: Payment
    mediator: Organisation
    complaints: tuple[Organisation, ...]
    privacy: Organisation  # data controller / DPO contact for the GDPR/PIPL notice
    postal: PostalAccount
    agency: Agency | None = None
    lawyer: Lawyer | None = None
    #: The signatory's signature and the creditor's official seal (公章), from
    #: ``[<locale>.creditor] signature / seal``.
    signature: Picture | None = None
    seal: Picture | None = None

    def picture(self, key: str) -> Picture | None:
        """The image a signing requirement names: ``creditor.signature``, ``creditor.seal``,
        ``lawyer.signature`` or ``lawyer.seal``."""
        owner, _, what = key.partition(".")
        holder: Any = self if owner == "creditor" else self.lawyer
        return None if holder is None else getattr(holder, what, None)


@dataclass(frozen=True)
class Sender:
    """Who posts a letter: the name and address printed on its deposit slip, the postal
    account it is deposited under (empty: the profile's), and the return address for
    undeliverable items printed at the top of the window (name first)."""

    name: str
    address: tuple[str, ...]
    registration: str = ""
    postal_account: str = ""
    firm: bool = False  # a law firm posting for the creditor
    return_address: tuple[str, ...] = ()


def sender_of(kind: str, entity: Entity) -> Sender:
    """Who posts a letter of ``kind``: a lawyer letter by the law firm (its name and address,
    its postal account or the creditor's when the profile says so, its return address), else
    the creditor.
    """
    lawyer = entity.lawyer
    if kind == "lawyer_letter" and lawyer is not None:
        account = (entity.postal.customer_id if lawyer.creditor_postal_account
                   else lawyer.postal_account)
        return Sender(lawyer.firm, tuple(lawyer.address),
                      ", ".join(x for x in (lawyer.bar, lawyer.licence) if x), account,
                      firm=True,
                      return_address=lawyer.return_address or (lawyer.firm, *lawyer.address))
    creditor = entity.creditor
    return Sender(creditor.name, tuple(creditor.address), creditor.registration,
                  return_address=entity.postal.return_address
                  or (creditor.name, *creditor.address))


@dataclass(frozen=True)
class BatchSettings:
    letters_per_print_file: int = 250
    duplex: bool = True


@dataclass(frozen=True)
class EnvelopeWindow:
    """An envelope's window as it falls on the sheet (mm from the sheet's top-left corner),
    for a sheet sitting where the window was drawn for, and how far the sheet may move in the
    envelope each way (``play_x`` left or right, ``play_y`` up or down). See ``window.py``."""

    x: float
    y: float
    width: float
    height: float
    play_x: float
    play_y: float


#: The common French DL window envelope (220 x 110 mm, window 100 x 45 mm, 20 mm from the
#: right edge and 15 mm from the bottom, as suppliers' "DL fenêtre 45x100" stock and DIN 680's
#: 15 mm bottom margin), holding an A4 folded in three (210 x 99 mm): centred, the sheet puts
#: the window at x 95-195, y 44.5-89.5. Play: 10 mm of width and 11 mm of height around the
#: folded sheet, less ~1 mm of seam each side, and +-0.5 mm of fold error: +-4 mm, +-5 mm.
DEFAULT_WINDOWS: Mapping[str, EnvelopeWindow] = {
    "DL": EnvelopeWindow(x=95.0, y=44.5, width=100.0, height=45.0, play_x=4.0, play_y=5.0),
}


@dataclass(frozen=True)
class SenderProfile:
    """Who sends the letters, per locale (creditor, payment details, mediator, lawyer, postal
    account and its number ranges), and the batch settings: read from TOML by
    :func:`load_sender_profile`.

    >>> from notice_factory.model import Locale
    >>> profile = load_sender_profile()          # the bundled demo profile
    >>> profile.entity(Locale.FR_FR).postal.operator, profile.batch.duplex
    ('La Poste', True)
    """

    source: str
    entities: Mapping[Locale, Entity]
    batch: BatchSettings = field(default_factory=BatchSettings)
    windows: Mapping[str, EnvelopeWindow] = field(default_factory=lambda: dict(DEFAULT_WINDOWS))

    def entity(self, locale: Locale) -> Entity:
        try:
            return self.entities[locale]
        except KeyError:
            raise ConfigError(
                f"the sender profile has no [{locale.value}] table, so it cannot send "
                f"{locale.value} letters",
                file=self.source,
            ) from None


class _Reader:
    """Typed access to a TOML table that names the full key in every error."""

    def __init__(self, data: Mapping[str, Any], path: str, source: str,
                 folder: Path | None = None) -> None:
        self.data, self.path, self.source, self.folder = data, path, source, folder
        # Every key asked for (present or not) and every sub-table read: what is left in the
        # file after reading is a key nobody reads, i.e. a typo (`ibna` for `iban`).
        self.asked: set[str] = set()
        self.children: list[_Reader] = []

    def _fail(self, key: str, why: str) -> ConfigError:
        if key not in self.data:  # missing: most likely misspelt, then say so
            unread = [k for k in self.data if k not in self.asked]
            typo = difflib.get_close_matches(key, unread, n=1, cutoff=0.6)
            if typo:
                return self._unknown(typo[0])
        return ConfigError(f"{self.path}.{key}: {why}", file=self.source)

    def _unknown(self, key: str) -> ConfigError:
        close = difflib.get_close_matches(key, sorted(self.asked), n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'? " if close else ""
        return ConfigError(f"{self.path}.{key}: unknown key; {hint}the keys of [{self.path}] "
                           "are " + ", ".join(sorted(self.asked)), file=self.source)

    def get(self, key: str, default: Any = None) -> Any:
        self.asked.add(key)
        return self.data.get(key, default)

    def finish(self) -> None:
        """Refuse keys that nothing read, with the closest known key as a suggestion."""
        for key in self.data:
            if key not in self.asked:
                raise self._unknown(key)
        for child in self.children:
            child.finish()

    def text(self, key: str, default: str | None = None) -> str:
        value = self.get(key, default)
        if value is None:
            raise self._fail(key, "is required")
        if not isinstance(value, str):
            raise self._fail(key, "must be text")
        return value

    def integer(self, key: str, default: int | None = None) -> int:
        value = self.get(key, default)
        if value is None:
            raise self._fail(key, "is required")
        if not isinstance(value, int) or isinstance(value, bool):
            raise self._fail(key, "must be a whole number")
        return value

    def millimetres(self, key: str) -> float:
        value = self.get(key)
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise self._fail(key, "must be a number of millimetres (0 or more)")
        return float(value)

    def money(self, key: str) -> Decimal:
        value = self.get(key)
        try:
            if not isinstance(value, str):
                raise InvalidOperation
            amount = Decimal(value)
        except InvalidOperation:
            raise self._fail(key, 'must be an amount written as text, e.g. "5.36"') from None
        if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
            raise self._fail(key, "must be an amount >= 0 with at most 2 decimals")
        return amount

    def flag(self, key: str, default: bool) -> bool:
        value = self.get(key, default)
        if not isinstance(value, bool):
            raise self._fail(key, "must be true or false")
        return value

    def lines(self, key: str) -> tuple[str, ...]:
        value = self.get(key, [])
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self._fail(key, "must be a list of text lines")
        return tuple(value)

    def picture(self, key: str) -> Picture | None:
        """A PNG or SVG file named relative to the profile's folder, confined to it."""
        name = self.text(key, "")
        if not name:
            return None
        where = f"{self.path}.{key}"
        if self.folder is None:
            raise self._fail(key, "an image needs a profile read from a file (it is looked "
                                  "for beside the profile)")
        if urlsplit(name).scheme or Path(name).is_absolute() or "\\" in name:
            raise self._fail(key, f"'{name}' must be a file name relative to the profile's "
                                  f"folder ({self.folder}), not a URL or an absolute path")
        root = self.folder.resolve()
        path = (root / name).resolve()
        if not path.is_relative_to(root):
            raise self._fail(key, f"'{name}' is outside the profile's folder ({root}); put the "
                                  "image beside the profile")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise self._fail(key, f"cannot read '{name}' ({path}): {exc.strerror}") from None
        if len(data) > PICTURE_MAX_BYTES:
            raise self._fail(key, f"'{name}' is {len(data)} bytes; an image may have at most "
                                  f"{PICTURE_MAX_BYTES}")
        try:
            fmt = _picture_format(data, name)
        except ValueError as exc:
            raise self._fail(key, str(exc)) from None
        return Picture(where, name, data, fmt)

    def table(self, key: str, required: bool = True) -> _Reader | None:
        value = self.get(key)
        if value is None:
            if required:
                raise self._fail(key, "is required (a [table])")
            return None
        if not isinstance(value, dict):
            raise self._fail(key, "must be a [table]")
        child = _Reader(value, f"{self.path}.{key}", self.source, self.folder)
        self.children.append(child)
        return child

    def tables(self, key: str) -> list[_Reader]:
        value = self.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self._fail(key, "must be an array of tables ([[...]])")
        children = [_Reader(v, f"{self.path}.{key}[{i}]", self.source, self.folder)
                    for i, v in enumerate(value)]
        self.children.extend(children)
        return children


def _organisation(r: _Reader) -> Organisation:
    return Organisation(
        name=r.text("name"),
        address=r.lines("address"),
        legal_form=r.text("legal_form", ""),
        registration=r.text("registration", ""),
        phone=r.text("phone", ""),
        email=r.text("email", ""),
        website=r.text("website", ""),
        hours=r.text("hours", ""),
        note=r.text("note", ""),
    )


def _picture_format(data: bytes, name: str) -> str:
    """``png`` or ``svg``; ValueError (why, in words) when ``data`` is neither a sound PNG
    nor a self-contained SVG.

    >>> _picture_format(b'<svg xmlns="http://www.w3.org/2000/svg"/>', "s.svg")
    'svg'
    >>> _picture_format(b"GIF89a", "s.gif")
    Traceback (most recent call last):
    ValueError: 's.gif' is neither a PNG nor an SVG image
    """
    # Pillow and lxml load only for a profile that names images (settings.py stays light).
    from lxml import etree
    from PIL import Image, UnidentifiedImageError

    if data.startswith(_PNG_MAGIC):
        try:
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise ValueError(f"'{name}' is a damaged PNG image ({exc})") from None
        return "png"
    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        root = None
    if root is None or root.tag != _SVG:
        raise ValueError(f"'{name}' is neither a PNG nor an SVG image")
    for element in root.iter():
        for attr in ("href", _XLINK_HREF):
            ref = element.get(attr) if isinstance(element.tag, str) else None
            if ref and not ref.startswith(("#", "data:")):
                raise ValueError(f"'{name}' refers to another file or URL ({ref}); an SVG "
                                 "signature or seal must be self-contained")
    return "svg"


def _postal(r: _Reader) -> PostalAccount:
    country = r.text("country")
    if len(country) != 2 or not country.isalpha() or not country.isupper():
        raise r._fail("country", f"'{country}' is not an ISO 3166 alpha-2 code such as FR")
    ranges = tuple(_serial_range(rr) for rr in r.tables("ranges"))
    guarantee = r.text("guarantee", "R1" if country == "FR" else "")
    if guarantee not in ("", "R1", "R2", "R3"):
        raise r._fail("guarantee", f"'{guarantee}' is not a guarantee level: R1, R2 or R3")
    currency, tariffs = _tariffs(r)
    return PostalAccount(
        operator=r.text("operator"),
        country=country,
        deposit_office=r.text("deposit_office"),
        customer_id=r.text("customer_id", ""),
        ranges=ranges,
        guarantee=guarantee,
        currency=currency,
        tariffs=tariffs,
        domestic_numbers=_domestic_numbers(r, ranges),
        return_address=r.lines("return_address"),
    )


def _serial_range(rr: _Reader) -> SerialRange:
    service = rr.text("service")
    if len(service) != 2 or not service.isalpha() or not service.isupper():
        raise rr._fail("service", f"'{service}' is not a two-letter S10 service indicator")
    first, last = rr.integer("first"), rr.integer("last")
    if not 0 <= first <= 99_999_999 or not 0 <= last <= 99_999_999:
        raise rr._fail("first", "S10 serials have 8 digits (0 to 99999999)")
    if last < first:
        raise rr._fail("last", "must be >= first")
    return SerialRange(service, first, last)


def _domestic_numbers(r: _Reader, ranges: tuple[SerialRange, ...]) -> str:
    domestic_numbers = r.text("domestic_numbers", "s10")
    if domestic_numbers not in ("s10", "imported"):
        raise r._fail("domestic_numbers", f"'{domestic_numbers}' is not a numbering: s10 (from "
                      "the ranges) or imported (lists loaded with `ledger import-numbers`)")
    if not ranges and domestic_numbers == "s10":
        raise r._fail("ranges", "is required: add one [[...postal.ranges]] table (service, "
                                "first, last) per block of registered numbers the operator "
                                "assigned to you")
    return domestic_numbers


def _tariffs(r: _Reader) -> tuple[str, tuple[Tariff, ...]]:
    tariffs = tuple(
        Tariff(t.text("service"), t.integer("up_to_g"), t.money("price"), t.money("price_ar"))
        for t in r.tables("tariffs"))
    currency = r.text("currency", "")
    if tariffs and not (len(currency) == 3 and currency.isalpha() and currency.isupper()):
        raise r._fail("currency", "the tariffs need their ISO 4217 currency, e.g. EUR")
    return currency, tariffs


def _entity(locale: Locale, r: _Reader) -> Entity:
    payment = r.table("payment")
    assert payment is not None
    agency = r.table("agency", required=False)
    lawyer = r.table("lawyer", required=False)
    creditor, mediator, privacy, postal = (
        r.table(k) for k in ("creditor", "mediator", "privacy", "postal")
    )
    assert creditor and mediator and privacy and postal
    signature, seal = creditor.picture("signature"), creditor.picture("seal")
    return Entity(
        locale=locale,
        place=r.text("place"),
        signatory=r.text("signatory"),
        creditor=_organisation(creditor),
        payment=Payment(
            payee=payment.text("payee"),
            bank=payment.text("bank"),
            iban=payment.text("iban", ""),
            bic=payment.text("bic", ""),
            account=payment.text("account", ""),
            note=payment.text("note", ""),
        ),
        mediator=_organisation(mediator),
        complaints=tuple(_organisation(c) for c in r.tables("complaints")),
        privacy=_organisation(privacy),
        postal=_postal(postal),
        agency=None
        if agency is None
        else Agency(
            name=agency.text("name"),
            registration=agency.text("registration"),
            address=agency.lines("address"),
            phone=agency.text("phone", ""),
            email=agency.text("email", ""),
            mandate_ref=agency.text("mandate_ref", ""),
            mandate_date=agency.text("mandate_date", ""),
        ),
        lawyer=None
        if lawyer is None
        else Lawyer(
            name=lawyer.text("name"),
            firm=lawyer.text("firm"),
            bar=lawyer.text("bar"),
            licence=lawyer.text("licence"),
            address=lawyer.lines("address"),
            phone=lawyer.text("phone", ""),
            email=lawyer.text("email", ""),
            mandate_ref=lawyer.text("mandate_ref", ""),
            return_address=lawyer.lines("return_address"),
            signature=lawyer.picture("signature"),
            seal=lawyer.picture("seal"),
            **_firm_account(lawyer),
        ),
        signature=signature,
        seal=seal,
    )


def _check_return_addresses(entity: Entity, source: str) -> None:
    """The return address shows through the window: it must not reveal a debt."""
    checks = [("postal", sender_of("", entity), entity.postal.return_address,
               "the creditor's name and address")]
    if entity.lawyer is not None:
        checks.append(("lawyer", sender_of("lawyer_letter", entity),
                       entity.lawyer.return_address, "the firm's name and address"))
    for table, sender, given, default in checks:
        word = debt_word(" ".join(sender.return_address), entity.locale.language)
        if word is not None:
            key = f"{entity.locale.value}.{table}.return_address"
            what = "it says" if given else f"without it, {default} say"
            raise ConfigError(
                f"{key}: the return address printed through the envelope's window must not "
                f"reveal a debt, and {what} «{word}»: set {key} to a neutral form (the name "
                "and postal address without the department, or a P.O. box)", file=source)


def _firm_account(r: _Reader) -> dict[str, Any]:
    """Which postal account posts the law firm's letters: its own, or the creditor's on purpose."""
    own = r.text("postal_account", "")
    shared = r.flag("creditor_postal_account", False)
    if bool(own) == shared:
        raise r._fail("postal_account", "say which postal account posts the lawyer letters: the "
                      "firm's own (postal_account = \"its contract at the operator\") or, on "
                      "purpose, the creditor's (creditor_postal_account = true), not both")
    return {"postal_account": own, "creditor_postal_account": shared}


def parse_sender_profile(data: Mapping[str, Any], source: str = "<sender profile>",
                         folder: Path | None = None) -> SenderProfile:
    """The profile in ``data``; ``folder`` is where its images are (the profile's own folder:
    a profile not read from a file can name none)."""
    known = {loc.value for loc in Locale} | {"batch", "windows"}
    for key in data:
        if key not in known:
            raise ConfigError(
                f"unknown table [{key}]; expected one of {', '.join(sorted(known))}", file=source
            )
    entities = {}
    for loc in Locale:
        table = data.get(loc.value)
        if table is not None:
            if not isinstance(table, dict):
                raise ConfigError(f"{loc.value} must be a [table]", file=source)
            reader = _Reader(table, loc.value, source, folder)
            entities[loc] = _entity(loc, reader)
            reader.finish()
            _check_return_addresses(entities[loc], source)
    if not entities:
        raise ConfigError("the sender profile defines no locale table ([fr_FR], ...)", file=source)
    _check_operators_apart(entities, source)
    batch_table = _Reader(data.get("batch", {}), "batch", source)
    per_file = batch_table.integer("letters_per_print_file", 250)
    if per_file < 1:
        raise batch_table._fail("letters_per_print_file", "must be at least 1")
    duplex = batch_table.flag("duplex", True)
    batch_table.finish()
    return SenderProfile(
        source=source,
        entities=entities,
        batch=BatchSettings(letters_per_print_file=per_file, duplex=duplex),
        windows=_windows(_Reader(data.get("windows", {}), "windows", source)),
    )


def _windows(r: _Reader) -> dict[str, EnvelopeWindow]:
    """``[windows.DL]`` etc.: each envelope's window; the default DL window when none."""
    windows = dict(DEFAULT_WINDOWS)
    for name in r.data:
        w = r.table(name)
        assert w is not None
        keys = ("x", "y", "width", "height", "play_x", "play_y")
        for key in w.data:
            if key not in keys:
                raise w._fail(key, f"unknown key; a window has {', '.join(keys)} (mm)")
        window = EnvelopeWindow(*(w.millimetres(k) for k in keys))
        if window.width <= 2 * window.play_x or window.height <= 2 * window.play_y:
            raise w._fail("play_x", "the play leaves nothing of the window always visible")
        if window.x + window.width > 210 or window.y + window.height > 297:
            raise w._fail("x", "the window falls off the A4 sheet (210 x 297 mm)")
        windows[name] = window
    return windows


def _check_operators_apart(entities: Mapping[Locale, Entity], source: str) -> None:
    """Two operators never share S10 numbers: their ranges (same service and country) must not
    overlap, or both would print the same number on different letters."""
    seen: list[tuple[Locale, PostalAccount, SerialRange]] = []
    for loc, entity in entities.items():
        postal = entity.postal
        for r in postal.ranges:
            for other_loc, other, o in seen:
                if (other.operator != postal.operator and other.country == postal.country
                        and o.service == r.service and o.first <= r.last and r.first <= o.last):
                    raise ConfigError(
                        f"{loc.value}.postal.ranges: {r.service} {r.first}-{r.last} of "
                        f"{postal.operator} overlaps {o.service} {o.first}-{o.last} of "
                        f"{other.operator} ({other_loc.value}.postal.ranges): two operators "
                        "cannot issue the same registered numbers; correct the ranges",
                        file=source)
        seen.extend((loc, postal, r) for r in postal.ranges)


def load_sender_profile(path: Path | str | None = None) -> SenderProfile:
    """Read a sender profile (TOML); with no path, the bundled demo profile. Raises
    :class:`~notice_factory.errors.ConfigError` naming the file, table and key when it is
    missing or wrong.

    >>> sorted(loc.value for loc in load_sender_profile().entities)
    ['fr_FR', 'ro_RO', 'zh_CN']
    """
    p = Path(path) if path is not None else demo_sender_path()
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the sender profile: {exc.strerror}", file=str(p)) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"not a valid TOML file: {exc}", file=str(p)) from None
    return parse_sender_profile(data, source=str(p), folder=p.parent)
