"""Shared fixtures of the letters tests: one batch date, the demo sender, one warm renderer,
and the PDFs of every demo case rendered once per session (WeasyPrint costs ~0.3 s a letter).

Helpers read a PDF the way a reader (or the post office's scanner) sees it: the text of
each page (pypdf and poppler's pdftotext), word positions in millimetres
(``pdftotext -bbox``) and the fonts the file carries.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any, overload

import pikepdf
import pytest
from pgserver import ThrowawayPostgres
from pypdf import PdfReader

from notice_factory.cases import read_case_file
from notice_factory.catalog import Catalog, load_catalog
from notice_factory.errors import LedgerMissingError, OfficeUnavailableError
from notice_factory.ledger import Ledger, init_ledger
from notice_factory.model import Case, Locale
from notice_factory.office import find_office
from notice_factory.render import LetterRenderer, RenderedLetter
from notice_factory.s10 import make_s10
from notice_factory.settings import SenderProfile, load_sender_profile

BATCH_DATE = dt.date(2026, 11, 23)
REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
LA_POSTE_LIST = FIXTURES / "la-poste-numbers-demo.txt"  # the demo's imported La Poste numbers
TEMPLATES = REPO / "templates"
PT_PER_MM = 72 / 25.4

# The demo cases, read at collection time so that tests can be parametrised over them.
DEMO_CASES: list[Case] = read_case_file(FIXTURES / "cases.csv", batch_date=BATCH_DATE).cases


@overload
def demo_ledger(path: Path) -> Path: ...


@overload
def demo_ledger(path: str) -> str: ...


def demo_ledger(path: Path | str) -> Path | str:
    """``path`` (a file, or a PostgreSQL URL) as a ledger made on purpose (`ledger init`) for
    the demo profile, if there is none there yet: a batch never creates its ledger."""
    if isinstance(path, Path) and path.exists():
        return path
    if isinstance(path, str):
        try:
            Ledger(path).close()
            return path
        except LedgerMissingError:
            pass
    init_ledger(path, [e.postal for e in load_sender_profile().entities.values()],
                profile="demo")
    with Ledger(path) as ledger:  # La Poste's domestic numbers come from its list
        ledger.import_numbers("la-poste", LA_POSTE_LIST.read_text("utf-8").splitlines(),
                              LA_POSTE_LIST.name)
    return path


@pytest.fixture(scope="session")
def postgres() -> Iterator[ThrowawayPostgres]:
    """A real PostgreSQL server for the session (initdb/pg_ctl in a temporary folder, on
    127.0.0.1 with a free port), stopped and removed at its end."""
    server = ThrowawayPostgres().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(postgres: ThrowawayPostgres) -> Iterator[str]:
    """The URL of a new, empty database of the session's server (dropped after the test)."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    url = postgres.create_database(name)
    try:
        yield url
    finally:
        postgres.drop_database(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_at(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Where a test's ledger goes, once per backend: a file path, or a new database's URL.
    Every test that takes it runs against both (one ledger interface, two backends)."""
    if request.param == "sqlite":
        return tmp_path / "ledger.sqlite"
    url: str = request.getfixturevalue("pg_url")
    return url


def case_param_id(case: Case) -> str:
    return f"{case.locale.value}-{case.kind.value}-{case.case_id}"


def demo_images_beside(profile: Path) -> Path:
    """Copy the demo profile's signature and seal images beside ``profile`` (a copy of the
    demo profile written elsewhere: its images are looked for in its own folder)."""
    target = profile.parent / "sender-demo-images"
    if not target.exists():
        shutil.copytree(FIXTURES / "sender-demo-images", target)
    return profile


def demo_case_params() -> list[Any]:
    """One pytest param per demo case, with a readable id (locale-kind-case_id)."""
    return [pytest.param(c, id=case_param_id(c)) for c in DEMO_CASES]


def s10_number(service: str, serial: int, country: str) -> str:
    """A UPU S10 item number with its check digit (weights 8 6 4 2 3 5 9 7).

    >>> s10_number("RR", 47312482, "FR")
    'RR473124829FR'
    """
    return make_s10(service, serial, country)


def tracking_for(sender: SenderProfile, case: Case, index: int) -> str:
    """The index-th number of the case's operator range (as a batch would allocate it)."""
    postal = sender.entity(case.locale).postal
    rng = postal.ranges[0]
    return s10_number(rng.service, rng.first + index, postal.country)


class RenderedSet:
    """Demo letters rendered on first use and cached, failures included.

    Rendering lazily keeps a template that is not finished from failing every other test:
    only the tests of that letter see its error.
    """

    def __init__(self, renderer: LetterRenderer, sender: SenderProfile) -> None:
        self.renderer, self.sender = renderer, sender
        self._done: dict[str, RenderedLetter | BaseException] = {}

    def tracking_number(self, case: Case) -> str:
        return tracking_for(self.sender, case, DEMO_CASES.index(case)) if case.registered else ""

    def __getitem__(self, case: Case) -> RenderedLetter:
        key = case.letter_key
        if key not in self._done:
            try:
                self._done[key] = self.renderer.render(
                    case, self.sender.entity(case.locale), batch_date=BATCH_DATE,
                    tracking_number=self.tracking_number(case))
            except Exception as exc:  # kept, so the letter's every test reports the same cause
                self._done[key] = exc
        result = self._done[key]
        if isinstance(result, BaseException):
            raise result
        return result


@pytest.fixture(scope="session")
def batch_date() -> dt.date:
    return BATCH_DATE


@pytest.fixture(scope="session")
def sender() -> SenderProfile:
    return load_sender_profile()


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(TEMPLATES)


@pytest.fixture(scope="session")
def renderer(catalog: Catalog) -> Iterator[LetterRenderer]:
    with LetterRenderer(catalog) as r:
        yield r


@pytest.fixture(scope="session")
def rendered(renderer: LetterRenderer, sender: SenderProfile) -> RenderedSet:
    """The PDF of every demo case (fixtures/cases.csv), each rendered once per session."""
    return RenderedSet(renderer, sender)


# ---------------------------------------------------------------- reading PDFs back


def page_texts(pdf: bytes) -> list[str]:
    """The text of each page, as pypdf extracts it (keeps U+202F and other spaces)."""
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page_texts(pdf))


def _poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is not installed (apt-get install poppler-utils)")
    return path


def pdftotext(pdf: bytes, *args: str) -> str:
    """poppler's reading of the PDF: a second, independent text extractor."""
    out = subprocess.run([_poppler("pdftotext"), *args, "-", "-"], input=pdf,
                         capture_output=True, check=True, timeout=120)
    return out.stdout.decode("utf-8")


@dataclass(frozen=True)
class Word:
    text: str
    x0: float  # millimetres from the left edge of the sheet
    y0: float  # millimetres from the top edge of the sheet
    x1: float
    y1: float


_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                   r"(.*?)</word>")


def page_words(pdf: bytes, page: int = 1) -> list[Word]:
    """Every word of one page (1-based) with its box in millimetres."""
    xml = pdftotext(pdf, "-bbox", "-f", str(page), "-l", str(page))
    return [Word(unescape(m[5]), *(float(v) / PT_PER_MM for v in m.group(1, 2, 3, 4)))
            for m in _WORD.finditer(xml)]


def pdf_fonts(pdf: bytes) -> list[dict[str, Any]]:
    """Every font dictionary the pages use (descendant fonts of Type0 fonts included)."""
    reader = PdfReader(io.BytesIO(pdf))
    fonts: dict[int, dict[str, Any]] = {}

    def visit(font: Any) -> None:
        font = font.get_object()
        fonts[id(font)] = font
        for desc in font.get("/DescendantFonts", []):
            visit(desc)

    for page in reader.pages:
        resources = page.get("/Resources")
        if resources is None:
            continue
        page_fonts = resources.get_object().get("/Font")
        if page_fonts is None:  # a page without text (the blank back of a copy)
            continue
        for font in page_fonts.get_object().values():
            visit(font)
    return list(fonts.values())


@dataclass(frozen=True)
class Placed:
    """An image XObject drawn on a page, its box in mm from the sheet's top-left corner."""

    x0: float
    y0: float
    x1: float
    y1: float
    pixels: tuple[int, int]
    rgb: tuple[int, int, int]  # the mean colour of its opaque pixels

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0


def _mul(a: list[float], b: list[float]) -> list[float]:
    """The product of two PDF matrices [a b c d e f] (a applied first)."""
    return [a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3],
            a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3],
            a[4] * b[0] + a[5] * b[2] + b[4], a[4] * b[1] + a[5] * b[3] + b[5]]


def ink(xobj: Any) -> tuple[int, int, int]:
    """The mean colour of an image's inked pixels (those its soft mask keeps, or not white)."""
    from PIL import ImageChops, ImageStat

    picture = pikepdf.PdfImage(xobj).as_pil_image().convert("RGB")
    if "/SMask" in xobj:
        mask = pikepdf.PdfImage(xobj.SMask).as_pil_image().convert("L")
    else:
        mask = ImageChops.invert(picture.convert("L"))
    mask = mask.point(lambda v: 255 if v > 128 else 0)
    if mask.getbbox() is None:
        return (255, 255, 255)
    r, g, b = (round(v) for v in ImageStat.Stat(picture, mask).mean)
    return (r, g, b)


def page_images(pdf: bytes, page: int) -> list[Placed]:
    """Every image drawn on page ``page`` (1-based), found by following the content stream's
    transformation matrices (q/Q/cm) into form XObjects down to each image's ``Do``."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        p = doc.pages[page - 1]
        height = float(p.mediabox[3])
        found: list[Placed] = []

        def walk(stream: Any, resources: Any, ctm: list[float]) -> None:
            stack: list[list[float]] = []
            for instruction in pikepdf.parse_content_stream(stream):
                operands, name = list(instruction.operands), str(instruction.operator)
                if name == "q":
                    stack.append(ctm)
                elif name == "Q":
                    ctm = stack.pop()
                elif name == "cm":
                    ctm = _mul([float(v) for v in operands], ctm)
                elif name == "Do":
                    xobj = resources.XObject[operands[0]]
                    if xobj.Subtype == "/Image":
                        xs = [ctm[4], ctm[4] + ctm[0], ctm[4] + ctm[2], ctm[4] + ctm[0] + ctm[2]]
                        ys = [ctm[5], ctm[5] + ctm[1], ctm[5] + ctm[3], ctm[5] + ctm[1] + ctm[3]]
                        found.append(Placed(min(xs) / PT_PER_MM, (height - max(ys)) / PT_PER_MM,
                                            max(xs) / PT_PER_MM, (height - min(ys)) / PT_PER_MM,
                                            (int(xobj.Width), int(xobj.Height)), ink(xobj)))
                    elif xobj.Subtype == "/Form":
                        matrix = [float(v) for v in xobj.get("/Matrix", [1, 0, 0, 1, 0, 0])]
                        walk(xobj, xobj.get("/Resources", resources), _mul(matrix, ctm))

        walk(p, p.Resources, [1, 0, 0, 1, 0, 0])
        return found


def font_bytes(pdf: bytes) -> int:
    """The bytes of every embedded font program (as stored, compressed)."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return sum(len(o.read_raw_bytes()) for o in doc.objects
                   if isinstance(o, pikepdf.Stream) and ("/Length1" in o or "/Length2" in o
                                                          or o.get("/Subtype") in (
                                                              "/CIDFontType0C", "/Type1C",
                                                              "/OpenType")))


def locale_of(language: str) -> Locale:
    return next(loc for loc in Locale if loc.language == language)


def page_gray(pdf: bytes, page: int = 1, dpi: int = 200) -> tuple[int, int, bytes]:
    """One page rasterised by poppler as 8-bit grey: (width, height, pixels row by row)."""
    out = subprocess.run([_poppler("pdftoppm"), "-gray", "-r", str(dpi), "-f", str(page),
                          "-l", str(page), "-"], input=pdf, capture_output=True, check=True,
                         timeout=120).stdout
    # PGM: "P5", width, height, maxval, each followed by one whitespace byte, then the pixels.
    fields = out.split(maxsplit=4)
    assert fields[0] == b"P5", fields[0]
    width, height = int(fields[1]), int(fields[2])
    return width, height, fields[4][-width * height:]


def dark_runs(pdf: bytes, y_mm: float, x0_mm: float, x1_mm: float, dpi: int = 200) -> int:
    """How many separate dark runs (bars, letters) one horizontal scan line of page 1 crosses."""
    width, _, pixels = page_gray(pdf, 1, dpi)
    px = dpi / 25.4
    row = round(y_mm * px) * width
    line = pixels[row + round(x0_mm * px): row + round(x1_mm * px)]
    runs, dark = 0, False
    for value in line:
        if value < 128 and not dark:
            runs += 1
        dark = value < 128
    return runs


def office_available() -> bool:
    """LibreOffice and a Python with uno are installed (the Word engine can run)."""
    try:
        find_office()
    except OfficeUnavailableError:
        return False
    return True


@dataclass(frozen=True)
class EmbeddedFont:
    """A font program embedded in a PDF."""

    file_key: str  # /FontFile (Type 1), /FontFile2 (TrueType) or /FontFile3 (CFF)
    size: int  # bytes of the decoded program


def embedded_fonts(pdf: bytes) -> dict[str, EmbeddedFont]:
    """BaseFont name (subset tag removed) -> its embedded program, simple and CID fonts."""
    out: dict[str, EmbeddedFont] = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources: Any = page["/Resources"]
        if "/Font" not in resources:  # a page without text (the blank back of a copy)
            continue
        for font in resources["/Font"].values():
            font = font.get_object()
            holder = (font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font
                      else font)
            descriptor = holder["/FontDescriptor"].get_object()
            key = next(k for k in ("/FontFile", "/FontFile2", "/FontFile3") if k in descriptor)
            out[str(font["/BaseFont"]).split("+", 1)[-1]] = EmbeddedFont(
                key, len(descriptor[key].get_object().get_data()))
    return out


# ---------------------------------------------------------------- a real Dask cluster


@dataclass
class DaskCluster:
    """A `dask scheduler` and two `notice-factory worker` processes on 127.0.0.1."""

    address: str
    die_dir: Path  # a file named after a case here kills the first worker rendering it
    logs: Path

    def worker_pids(self) -> dict[str, int]:
        """Worker address -> pid of the process that renders (not its nanny)."""
        from distributed import Client

        with Client(self.address, timeout=60, set_as_default=False) as client:
            pids: dict[str, int] = client.run(os.getpid)
            return pids

    def register_die_plugin(self) -> None:
        """Every worker, a restarted one too, dies on a letter named in :attr:`die_dir`."""
        from cluster_hooks import DieOnLetter
        from distributed import Client

        with Client(self.address, timeout=60, set_as_default=False) as client:
            client.register_plugin(DieOnLetter(str(self.die_dir)))

    def wait_for_workers(self, n: int = 2) -> None:
        from distributed import Client

        with Client(self.address, timeout=60, set_as_default=False) as client:
            client.wait_for_workers(n, timeout=180)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process (a worker closes its renderer and LibreOffice), then SIGKILL
    whatever is left in its process group."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=60)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


@pytest.fixture(scope="session")
def dask_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaskCluster]:
    """A real Dask scheduler and two worker processes (each a `notice-factory worker`, with
    its nanny), started for the session on 127.0.0.1 and stopped at its end: nothing stays
    running. The workers run this checkout's code."""
    base = tmp_path_factory.mktemp("dask")
    die_dir, logs = base / "die", base / "logs"
    die_dir.mkdir()
    logs.mkdir()
    address = f"tcp://127.0.0.1:{_free_port()}"
    # The workers import this checkout's code, and the tests' own worker plugin from tests/.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO / "tests")]),
           "TMPDIR": str(base)}
    env.pop("NOTICE_FACTORY_TEMPLATES", None)
    procs: list[subprocess.Popen[bytes]] = []

    def start(name: str, *cmd: str) -> None:
        with (logs / f"{name}.log").open("wb") as log:
            procs.append(subprocess.Popen([sys.executable, "-m", *cmd], env=env, cwd=base,
                                          stdout=log, stderr=subprocess.STDOUT,
                                          start_new_session=True))

    try:
        start("scheduler", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port",
              address.rsplit(":", 1)[1], "--no-dashboard")
        for i in (1, 2):
            start(f"worker-{i}", "notice_factory", "worker", "--scheduler", address,
                  "--name", f"test-worker-{i}")
        cluster = DaskCluster(address, die_dir, logs)
        cluster.wait_for_workers(2)
        cluster.register_die_plugin()
        yield cluster
    finally:
        for proc in reversed(procs):  # workers first, then the scheduler
            _stop(proc)
