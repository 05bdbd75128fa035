"""The warm LibreOffice converter: real soffice, real crashes, real hangs."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import docx
import docx.oxml.ns
import processes
import pytest
from conftest import office_available
from pypdf import PdfReader

from notice_factory.errors import OfficeUnavailableError, RenderError
from notice_factory.office import OfficeConverter
from notice_factory.office.install import ENV_OFFICE_PYTHON, ENV_SOFFICE

F = TypeVar("F", bound=Callable[..., Any])




_skip_without_office = pytest.mark.skipif(
    not office_available(), reason="LibreOffice (soffice + python3-uno) is not installed")


def needs_office(test: F) -> F:
    """Mark a test as needing LibreOffice, and skip it cleanly where there is none."""
    marked: F = pytest.mark.office(_skip_without_office(test))
    return marked

TEXT = "Mise en demeure : créance échue — Întârziere de plată, șase țări — 律师函 张三 逾期未还"


def make_docx(*paragraphs: str) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def pdf_text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf,
                          capture_output=True, check=True)
    return done.stdout.decode()


def wait_gone(pid: int) -> None:
    """Wait until no process is left in group ``pid`` (killing is asynchronous)."""
    for _ in range(200):
        if not processes.group_members(pid):
            return
        time.sleep(0.05)
    raise AssertionError(f"process group {pid} still alive")


@pytest.fixture(scope="module")
def converter() -> Iterator[OfficeConverter]:
    with OfficeConverter(timeout=60) as conv:
        yield conv


@needs_office
def test_converts_french_romanian_and_chinese_text(converter: OfficeConverter) -> None:
    pdf = converter.convert(make_docx(TEXT, "Total dû : 1 234,56 €"), name="FR-0001/MED")
    text = pdf_text(pdf)
    for word in ("créance échue", "Întârziere", "șase țări", "1 234,56 €"):
        assert word in text
    flat = "".join(text.split())  # Chinese lines may wrap anywhere
    for word in ("律师函", "张三逾期未还"):
        assert word in flat


@needs_office
def test_twenty_documents_through_one_office(converter: OfficeConverter) -> None:
    converter.start()
    office = converter.office_pid
    for n in range(20):
        text = pdf_text(converter.convert(make_docx(f"Lettre numéro {n} sur 20"), name=f"l{n}"))
        assert f"Lettre numéro {n} sur 20" in text
    assert converter.office_pid == office  # the same process did all twenty


@needs_office
def test_office_killed_between_documents_is_restarted(converter: OfficeConverter) -> None:
    converter.convert(make_docx("avant"), name="before")
    pid = converter.office_pid
    assert pid is not None
    os.killpg(pid, signal.SIGKILL)
    wait_gone(pid)
    assert "après" in pdf_text(converter.convert(make_docx("après"), name="after"))
    assert converter.office_pid not in (None, pid)


@needs_office
def test_soffice_bin_alone_killed_is_restarted(converter: OfficeConverter) -> None:
    converter.convert(make_docx("un"), name="one")
    pgid = converter.office_pid
    assert pgid is not None
    workers = [p for p in processes.group_members(pgid) if processes.name(p) == "soffice.bin"]
    assert workers, "soffice.bin not found in the office's process group"
    os.kill(workers[0], signal.SIGKILL)
    time.sleep(0.5)  # let the office notice; the converter must cope either way
    assert "deux" in pdf_text(converter.convert(make_docx("deux"), name="two"))


@needs_office
def test_bridge_killed_between_documents_is_restarted(converter: OfficeConverter) -> None:
    converter.convert(make_docx("unu"), name="unu")
    bridge = converter.bridge_pid
    assert bridge is not None
    os.kill(bridge, signal.SIGKILL)
    wait_gone(bridge)
    assert "doi" in pdf_text(converter.convert(make_docx("doi"), name="doi"))


@needs_office
def test_hanging_document_is_rejected_and_the_next_one_converts() -> None:
    with OfficeConverter(timeout=60, hang_on="HANG") as conv:
        conv.convert(make_docx("prima"), name="prima")
        old = conv.office_pid
        assert old is not None
        with pytest.raises(RenderError, match=r"HANG-2: .*within 3 s"):
            conv.convert(make_docx("blocată"), name="HANG-2", timeout=3)
        wait_gone(old)  # the stuck office was killed, not leaked
        assert "a treia" in pdf_text(conv.convert(make_docx("a treia"), name="third"))


@needs_office
def test_unreadable_document_fails_alone(converter: OfficeConverter) -> None:
    with pytest.raises(RenderError, match="garbage"):
        converter.convert(b"this is not a docx", name="garbage")
    assert "ensuite" in pdf_text(converter.convert(make_docx("ensuite"), name="next"))


@needs_office
def test_two_converters_run_side_by_side() -> None:
    results: dict[int, str] = {}

    def work(n: int) -> None:
        with OfficeConverter() as conv:
            results[n] = pdf_text(conv.convert(make_docx(f"bureau {n}"), name=f"b{n}"))

    threads = [threading.Thread(target=work, args=(n,)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert "bureau 1" in results[1] and "bureau 2" in results[2]


@needs_office
def test_close_stops_the_office_and_removes_the_profile() -> None:
    conv = OfficeConverter()
    conv.convert(make_docx("x"), name="x")
    pid, workdir = conv.office_pid, conv._procs.workdir
    assert pid is not None and workdir.is_dir()
    conv.close()
    wait_gone(pid)
    assert not workdir.exists()
    with pytest.raises(RenderError, match="closed"):
        conv.convert(make_docx("y"), name="y")
    conv.close()  # idempotent


def test_missing_soffice_names_the_packages(monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    monkeypatch.setenv(ENV_SOFFICE, str(tmp_path / "no-soffice"))
    with pytest.raises(OfficeUnavailableError) as info:
        OfficeConverter()
    message = str(info.value)
    assert "LibreOffice is not installed" in message
    assert "libreoffice-writer-nogui" in message and "python3-uno" in message
    assert info.value.exit_code == 1


def test_python_without_uno_is_reported(monkeypatch: pytest.MonkeyPatch,
                                        tmp_path: Path) -> None:
    fake_soffice = tmp_path / "soffice"
    fake_soffice.write_text("#!/bin/sh\nexit 0\n")
    fake_soffice.chmod(0o755)
    no_uno = tmp_path / "python-without-uno"
    no_uno.write_text(f"#!/bin/sh\nexec {sys.executable} -S -c 'import sys; sys.exit(1)'\n")
    no_uno.chmod(0o755)
    monkeypatch.setenv(ENV_SOFFICE, str(fake_soffice))
    monkeypatch.setenv(ENV_OFFICE_PYTHON, str(no_uno))
    with pytest.raises(OfficeUnavailableError, match=r"cannot import uno.*python3-uno"):
        OfficeConverter()


def test_office_that_cannot_start_is_reported(monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    if not office_available():
        pytest.skip("needs python3-uno for the bridge")
    broken = tmp_path / "soffice"
    broken.write_text("#!/bin/sh\necho 'soffice: cannot open display' >&2\nexit 1\n")
    broken.chmod(0o755)
    with OfficeConverter(soffice=str(broken), start_timeout=3) as conv, \
            pytest.raises(OfficeUnavailableError, match="could not be started"):
        conv.convert(make_docx("x"), name="x")


def make_font_docx(family: str, *paragraphs: str) -> bytes:
    """Paragraphs in ``family`` (East Asian and Latin slots alike), the second one bold."""
    document = docx.Document()
    for i, text in enumerate(paragraphs):
        run = document.add_paragraph().add_run(text)
        run.bold = i == 1
        fonts_xml = run._element.get_or_add_rPr().get_or_add_rFonts()
        for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts_xml.set(docx.oxml.ns.qn(slot), family)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def embedded_fonts(pdf: bytes) -> dict[str, str]:
    """BaseFont (subset tag removed) -> font file kind (/FontFile2 = TrueType, ...)."""
    out = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources: Any = page["/Resources"]
        for font in resources["/Font"].values():
            font = font.get_object()
            descriptor = font["/FontDescriptor"].get_object()
            kind = next(k for k in ("/FontFile", "/FontFile2", "/FontFile3") if k in descriptor)
            out[str(font["/BaseFont"]).split("+", 1)[-1]] = kind
    return out


@needs_office
def test_office_draws_chinese_with_the_truetype_cut(converter: OfficeConverter) -> None:
    names = converter.font_substitutes
    assert names["Noto Serif CJK SC"] == "Notice Serif SC Office"
    pdf = converter.convert(make_font_docx(names["Noto Serif CJK SC"], "律师函 张三逾期未还",
                                           "催收通知 第一条", "王堃"), name="zh")
    embedded = embedded_fonts(pdf)
    # Compressed TrueType subsets, regular and bold, not Type 1 fonts made from CFF.
    assert embedded["Notice-Serif-SC-Office-Regular"] == "/FontFile2"
    assert embedded["Notice-Serif-SC-Office-Bold"] == "/FontFile2"
    # 堃 is not in the cut: it comes from the full Noto Serif CJK face, and still prints.
    assert any(name.startswith("NotoSerifCJK") for name in embedded), embedded
    flat = "".join(pdf_text(pdf).split())
    assert "律师函张三逾期未还" in flat and "催收通知第一条" in flat and "王堃" in flat


@needs_office
def test_office_without_private_fonts_uses_the_system_faces() -> None:
    with OfficeConverter(private_fonts=False) as conv:
        assert conv.font_substitutes == {}
        pdf = conv.convert(make_font_docx("Notice Serif SC Office", "律师函"), name="plain")
    # Nobody else sees the cut: the office falls back to a system face and still prints.
    assert not any(name.startswith("Notice") for name in embedded_fonts(pdf))
    assert "律师函" in pdf_text(pdf)
