"""Issue 11, the ledger part: a ledger is created only on purpose and never silently replaced;
it serves the ranges it recorded and no other operator's; each failure says which it is.

Real SQLite files throughout; the read-only ledger is a real immutable (or read-only) file,
the full disk a real small tmpfs, the lock a real second connection holding it.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import demo_images_beside

from notice_factory.errors import (
    ConfigError,
    LedgerBusyError,
    LedgerDamagedError,
    LedgerDiskFullError,
    LedgerEmptyError,
    LedgerError,
    LedgerMissingError,
    LedgerProfileError,
    LedgerReadOnlyError,
)
from notice_factory.ledger import Ledger, LetterKey, init_ledger
from notice_factory.model import Locale
from notice_factory.s10 import make_s10
from notice_factory.settings import (
    PostalAccount,
    SerialRange,
    demo_sender_path,
    load_sender_profile,
    parse_sender_profile,
)

REPO = Path(__file__).resolve().parent.parent
LA_POSTE_LIST = REPO / "fixtures" / "la-poste-numbers-demo.txt"
FIXTURES = REPO / "fixtures"
DAY = dt.date(2026, 11, 23)
SRC = str(REPO / "src")


def la_poste(*ranges: SerialRange, operator: str = "La Poste") -> PostalAccount:
    return PostalAccount(operator, "FR", "Paris Louvre", "C-42",
                         ranges or (SerialRange("RR", 1, 5000),))


def letters(n: int, prefix: str = "FR") -> list[LetterKey]:
    return [LetterKey(f"{prefix}-{i:05d}", "reminder", DAY) for i in range(n)]


def assert_never_says_replace(message: str) -> None:
    lowered = message.lower()
    assert "replace it" not in lowered and "create a new ledger" not in lowered, message
    assert "not a ledger file, or damaged" not in lowered, message


@pytest.fixture
def made(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.sqlite"
    init_ledger(path, [la_poste()], profile="test")
    return path


# --------------------------------------------------------------------------- created on purpose


def test_a_missing_ledger_is_refused_and_not_created(tmp_path: Path) -> None:
    path = tmp_path / "typo" / "ledgr.sqlite"
    with pytest.raises(LedgerMissingError) as info:
        Ledger(path)
    assert "ledger init" in info.value.message and str(path) in info.value.format_message()
    assert not path.exists() and not path.parent.exists()


def test_an_emptied_ledger_is_refused_and_left_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    path.write_bytes(b"")
    with pytest.raises(LedgerEmptyError) as info:
        Ledger(path)
    message = info.value.format_message()
    assert "empty" in message and "backup" in message and str(path) in message
    assert_never_says_replace(message)
    assert path.stat().st_size == 0 and sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_an_sqlite_file_that_is_not_a_ledger_is_never_turned_into_one(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE customers (id INTEGER)")
    raw.close()
    with pytest.raises(LedgerDamagedError, match="not a notice-factory ledger"):
        Ledger(path)
    with sqlite3.connect(path) as raw:
        tables = [r[0] for r in raw.execute("SELECT name FROM sqlite_master")]
    raw.close()
    assert tables == ["customers"]


@pytest.mark.parametrize("content", [b"", b"SQLite format 3\x00 half a ledger"])
def test_init_never_replaces_a_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "ledger.sqlite"
    path.write_bytes(content)
    with pytest.raises(LedgerError, match="never replaced"):
        init_ledger(path, [la_poste()])
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_init_makes_a_ledger_that_serves_the_profiles_ranges(tmp_path: Path) -> None:
    path = tmp_path / "new" / "ledger.sqlite"
    profile = load_sender_profile()
    init_ledger(path, [e.postal for e in profile.entities.values()], profile=profile.source)
    with Ledger(path) as led:
        served = {(op, country, r) for op, country, r in led.ranges()}
        assert served == {(e.postal.operator, e.postal.country, r)
                          for e in profile.entities.values() for r in e.postal.ranges}
        assert led.count() == 0
    assert sorted(p.name for p in path.parent.iterdir()) == ["ledger.sqlite"]


# --------------------------------------------------------------------------- ranges it serves


def test_another_profiles_ledger_is_refused(made: Path) -> None:
    elsewhere = la_poste(SerialRange("RR", 70_000, 79_999))
    with Ledger(made) as led:
        with pytest.raises(LedgerProfileError) as info:
            led.allocate(letters(1), elsewhere, "b1")
        with pytest.raises(LedgerProfileError):
            led.remaining(elsewhere)
        assert led.count() == 0
    message = info.value.message
    assert "RR 70000-79999" in message and "RR 1-5000" in message and "add-ranges" in message
    assert_never_says_replace(message)


def test_a_ledger_serving_none_of_an_operators_ranges(made: Path) -> None:
    romania = PostalAccount("Poșta Română", "RO", "București 1", "", (SerialRange("RR", 1, 9),))
    with Ledger(made) as led, pytest.raises(LedgerProfileError, match="another sender profile"):
        led.allocate(letters(1), romania, "b1")


def test_a_new_range_is_served_once_recorded(made: Path) -> None:
    grown = la_poste(SerialRange("RR", 1, 5000), SerialRange("RS", 1, 10))
    with Ledger(made) as led:
        with pytest.raises(LedgerProfileError, match="RS 1-10"):
            led.allocate(letters(1), grown, "b1")
        assert led.add_ranges(grown) == [SerialRange("RS", 1, 10)]
        assert led.add_ranges(grown) == []
        assert led.allocate(letters(1), grown, "b1")[letters(1)[0]] == make_s10("RR", 1, "FR")


def test_a_range_overlapping_another_operators_is_refused(made: Path) -> None:
    intruder = la_poste(SerialRange("RR", 4000, 6000), operator="Autre Poste")
    with Ledger(made) as led:
        before = led.ranges()
        with pytest.raises(LedgerProfileError, match="overlaps the range RR 1-5000"):
            led.add_ranges(intruder)
        assert led.ranges() == before
    with pytest.raises(LedgerProfileError, match="overlaps"):
        init_ledger(made.with_name("two.sqlite"), [la_poste(), intruder])
    assert not made.with_name("two.sqlite").exists()


def _demo_profile_text() -> str:
    return (FIXTURES / "sender-demo.toml").read_text(encoding="utf-8")


def test_a_profile_whose_operators_overlap_is_refused() -> None:
    import tomllib

    data = tomllib.loads(_demo_profile_text())
    ro = data["ro_RO"]["postal"]
    fr = data["fr_FR"]["postal"]
    ro["country"] = "FR"
    ro["ranges"] = [{"service": "RR", "first": fr["ranges"][0]["last"], "last": 99_999_999}]
    with pytest.raises(ConfigError, match=r"overlaps .* of La Poste"):
        parse_sender_profile(data, "sender.toml", folder=demo_sender_path().parent)


# --------------------------------------------------------------------------- profile typos


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('iban = "FR76', 'ibna = "FR76', "fr_FR.payment.ibna: unknown key; did you mean 'iban'?"),
        ("[[fr_FR.postal.ranges]]", "[[fr_FR.postal.range]]",
         "fr_FR.postal.range: unknown key; did you mean 'ranges'?"),
        ("[fr_FR.mediator]", "[fr_FR.mediatior]",
         "fr_FR.mediatior: unknown key; did you mean 'mediator'?"),
        ("letters_per_print_file = 250", "letters_per_printfile = 250",
         "batch.letters_per_printfile: unknown key; did you mean 'letters_per_print_file'?"),
    ],
)
def test_unknown_profile_keys_are_errors_with_a_suggestion(
        tmp_path: Path, old: str, new: str, expected: str) -> None:
    text = _demo_profile_text()
    assert text.count(old) == 1
    path = demo_images_beside(tmp_path / "sender.toml")
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_sender_profile(path)
    assert expected in info.value.format_message()
    assert info.value.format_message().startswith(str(path))


def test_a_profile_without_ranges_is_refused(tmp_path: Path) -> None:
    text = _demo_profile_text()
    start = text.index("[[ro_RO.postal.ranges]]")
    end = text.index("\n\n", start)
    path = demo_images_beside(tmp_path / "sender.toml")
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(ConfigError, match=r"ro_RO\.postal\.ranges: is required"):
        load_sender_profile(path)
    # An account whose domestic numbers are imported may have none.
    text = text.replace('# domestic_numbers = "imported"', 'domestic_numbers = "imported"')
    start = text.index("[[fr_FR.postal.ranges]]")
    end = text.index("\n\n", start)
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    assert load_sender_profile(path).entities[Locale.FR_FR].postal.ranges == ()


# --------------------------------------------------------------------------- failures, named


def test_a_locked_ledger_says_locked_not_damaged(made: Path) -> None:
    holder = sqlite3.connect(made, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another run mid-allocation
        with Ledger(made, busy_timeout_s=0.2) as led, pytest.raises(LedgerBusyError) as info:
            led.allocate(letters(1), la_poste(), "b1")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    message = info.value.message
    assert "locked by another run" in message and "damaged" not in message
    with Ledger(made) as led:
        assert len(led.allocate(letters(1), la_poste(), "b1")) == 1  # it was fine all along


@pytest.fixture
def read_only(made: Path) -> Iterator[Path]:
    """The ledger made unwritable for real: immutable for root (who ignores modes), else
    read-only by mode."""
    if os.geteuid() == 0:
        if not shutil.which("chattr"):
            pytest.skip("chattr is needed to make a file read-only for root")
        proc = subprocess.run(["chattr", "+i", str(made)], capture_output=True, text=True)
        if proc.returncode:
            pytest.skip(f"this file system has no immutable files: {proc.stderr.strip()}")
        try:
            yield made
        finally:
            subprocess.run(["chattr", "-i", str(made)], check=True)
    else:
        made.chmod(0o444)
        yield made
        made.chmod(0o644)


def test_a_read_only_ledger_says_read_only(read_only: Path) -> None:
    with pytest.raises(LedgerReadOnlyError) as info, Ledger(read_only) as led:
        led.allocate(letters(1), la_poste(), "b1")
    message = info.value.message
    assert "read-only" in message and "write access" in message and "damaged" not in message


def _damage(path: Path, offset: int, length: int) -> None:
    with path.open("r+b") as fh:
        fh.seek(offset)
        fh.write(b"\xa5" * length)


def test_a_damaged_ledger_says_damaged_and_to_restore_it(made: Path) -> None:
    with Ledger(made) as led:
        led.allocate(letters(3000), la_poste(), "b1")
    size = made.stat().st_size
    assert size > 20 * 4096
    _damage(made, 4096 * 3, size - 4096 * 4)  # the pages holding the numbers and the index
    with pytest.raises(LedgerDamagedError) as info, Ledger(made) as led:
        led.allocate(letters(3010), la_poste(), "b2")
    message = info.value.message
    assert "damaged" in message and "backup" in message and "Do not delete" in message
    assert_never_says_replace(message)


def test_a_ledger_with_a_damaged_header_says_damaged(made: Path) -> None:
    _damage(made, 0, 100)
    with pytest.raises(LedgerDamagedError, match="damaged or is not a ledger"):
        Ledger(made)


_FILL_AND_ALLOCATE = textwrap.dedent("""
    import datetime as dt, os, sys
    from pathlib import Path
    from notice_factory.ledger import Ledger, LetterKey, init_ledger
    from notice_factory.settings import PostalAccount, SerialRange
    disk = Path(sys.argv[1])
    subprocess_ok = __import__("subprocess").run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)]).returncode == 0
    if not subprocess_ok:
        print("NO-MOUNT"); sys.exit(0)
    account = PostalAccount("La Poste", "FR", "Paris", "", (SerialRange("RR", 1, 99999),))
    init_ledger(disk / "ledger.sqlite", [account])
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT)  # the rest of the disk, filled
    try:
        while True:
            os.write(fd, b"x" * 4096)
    except OSError:
        os.close(fd)
    keys = [LetterKey(f"FR-{i}", "reminder", dt.date(2026, 11, 23)) for i in range(5000)]
    try:
        with Ledger(disk / "ledger.sqlite") as led:
            led.allocate(keys, account, "b1")
        print("ALLOCATED")
    except Exception as exc:
        print(type(exc).__name__)
        print(exc)
""")


def test_a_full_disk_says_full_and_names_the_folder(tmp_path: Path) -> None:
    if not shutil.which("unshare"):
        pytest.skip("unshare (util-linux) is needed to mount a small disk for the test")
    disk = tmp_path / "disk"
    disk.mkdir()
    # A private mount namespace: the small tmpfs exists only for the child, and vanishes
    # with it. Non-root users get one through a user namespace.
    prefix = ["unshare", "--mount"] if os.geteuid() == 0 else ["unshare", "-rm"]
    proc = subprocess.run([*prefix, sys.executable, "-c", _FILL_AND_ALLOCATE, str(disk)],
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": SRC},
                          timeout=120)
    if proc.returncode and "unshare" in proc.stderr:
        pytest.skip(f"no mount namespace here: {proc.stderr.strip()}")
    if proc.stdout.startswith("NO-MOUNT"):
        pytest.skip("tmpfs cannot be mounted here")
    name, _, message = proc.stdout.partition("\n")
    assert name == LedgerDiskFullError.__name__, proc.stdout + proc.stderr
    assert "disk holding the ledger is full" in message and str(disk) in message
    assert "damaged" not in message.replace("fine", "")


# --------------------------------------------------------------------------- the CLI, for real


def _one_case_file(path: Path, row_index: int) -> str:
    with (FIXTURES / "cases.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([rows[0], rows[row_index]])
    return rows[row_index][0]


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "notice_factory", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": SRC, **(env or {})})


def _numbers(out: Path) -> list[str]:
    with (out / "manifest.csv").open(encoding="utf-8", newline="") as fh:
        return [r["tracking_number"] for r in csv.DictReader(fh)]


def _import_la_poste(ledger: Path, env: dict[str, str] | None = None) -> None:
    """La Poste's domestic numbers come from its list (demo profile: domestic_numbers)."""
    done = _cli("ledger", "import-numbers", str(LA_POSTE_LIST), "--operator", "la-poste",
                "--ledger", str(ledger), env=env)
    assert done.returncode == 0, done.stderr


def test_an_emptied_or_mistyped_ledger_never_reissues_a_number(tmp_path: Path) -> None:
    """The issue's first failure: after the ledger was emptied, the next batch gave the
    number already printed on the first letter to another case, exit 0."""
    ledger = tmp_path / "ledger.sqlite"
    made = _cli("ledger", "init", str(ledger))
    assert made.returncode == 0 and "La Poste" in made.stdout, made.stderr
    _import_la_poste(ledger)
    _one_case_file(tmp_path / "first.csv", 1)
    first = _cli("batch", str(tmp_path / "first.csv"), "--out", str(tmp_path / "one"),
                 "--ledger", str(ledger), "--date", "2026-11-23")
    assert first.returncode == 0, first.stderr
    assert len(_numbers(tmp_path / "one")) == 1

    _one_case_file(tmp_path / "second.csv", 2)
    ledger.write_bytes(b"")  # emptied (a failed copy, a script)
    for path in (ledger, tmp_path / "ledgr.sqlite"):  # ...or mistyped
        run = _cli("batch", str(tmp_path / "second.csv"), "--out", str(tmp_path / "two"),
                   "--ledger", str(path), "--date", "2026-11-23")
        assert run.returncode == 1, run.stdout
        assert str(path) in run.stderr and "Traceback" not in run.stderr
        assert_never_says_replace(run.stderr)
        assert not (tmp_path / "two").exists() or not any((tmp_path / "two").rglob("*.pdf"))
    assert ledger.stat().st_size == 0 and not (tmp_path / "ledgr.sqlite").exists()
    again = _cli("ledger", "init", str(ledger))
    assert again.returncode == 1 and "never replaced" in again.stderr
    assert ledger.stat().st_size == 0


def test_the_default_ledger_is_created_only_by_ledger_init(tmp_path: Path) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path / "data")}
    _one_case_file(tmp_path / "cases.csv", 1)
    refused = _cli("batch", str(tmp_path / "cases.csv"), "--out", str(tmp_path / "out"),
                   "--date", "2026-11-23", env=env)
    default = tmp_path / "data" / "notice-factory" / "ledger.sqlite"
    assert refused.returncode == 1 and str(default) in refused.stderr, refused.stderr
    assert "ledger init" in refused.stderr and not default.exists()
    made = _cli("ledger", "init", env=env)
    assert made.returncode == 0 and str(default) in made.stdout, made.stderr
    _import_la_poste(default, env)
    ran = _cli("batch", str(tmp_path / "cases.csv"), "--out", str(tmp_path / "out"),
               "--date", "2026-11-23", env=env)
    assert ran.returncode == 0, ran.stderr
    with Ledger(default) as led:
        assert led.count() == 1


def test_add_ranges_on_the_command_line(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite"
    text = _demo_profile_text()
    old = "[[fr_FR.postal.ranges]]"
    sender = demo_images_beside(tmp_path / "sender.toml")
    sender.write_text(text.replace(old, f'{old}\nservice = "RS"\nfirst = 1\nlast = 99\n\n{old}'),
                      encoding="utf-8")
    assert _cli("ledger", "init", str(ledger)).returncode == 0
    added = _cli("ledger", "add-ranges", str(ledger), "--sender", str(sender))
    assert added.returncode == 0 and "La Poste (FR) RS 1-99" in added.stdout, added.stderr
    again = _cli("ledger", "add-ranges", str(ledger), "--sender", str(sender))
    assert again.returncode == 0 and "already serves" in again.stdout
