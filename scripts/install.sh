#!/usr/bin/env bash
# Installs everything notice_factory needs on a bare Debian/Ubuntu machine (idempotent).
#   system: fonts (Liberation for fr/ro, Noto CJK for zh), HarfBuzz subsetting for WeasyPrint,
#           Pango, poppler-utils (pdftotext/pdftoppm), LibreOffice Writer + python3-uno (DOCX),
#           zbar-tools (zbarimg: the tests decode barcodes and QR codes as a scanner would),
#           postgresql (the server programs: the tests start a throwaway cluster with initdb
#           and pg_ctl on 127.0.0.1, tests/pgserver.py; the package's own service is not used)
#   python: the package itself with its test extras (which include the cluster extra:
#           Dask distributed, and the postgresql extra: psycopg 3), editable
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  fonts-liberation2 fonts-dejavu-core fonts-noto-cjk
  libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 fontconfig
  poppler-utils zbar-tools
  libreoffice-writer-nogui python3-uno
  postgresql
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null; then
    echo "install.sh: missing system packages ${missing[*]} and no apt-get to install them" >&2
    exit 1
  fi
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  echo "install.sh: installing ${missing[*]}" >&2
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

PY="${PYTHON:-python3}"
# Reinstall unless the importable notice_factory is *this* checkout's: a package installed
# (editable) from another clone would make pytest collect this tree against the other's modules.
if ! "$PY" - "$PWD" 2>/dev/null <<'PYCHECK'
import pathlib, sys
import distributed, docxtpl, hypothesis, mypy, pdoc, psutil, ruff, segno, typst, weasyprint  # noqa: F401
from importlib.metadata import version
assert version("typst") == "0.15.2"
import notice_factory
here = pathlib.Path(sys.argv[1]).resolve()
sys.exit(0 if pathlib.Path(notice_factory.__file__).resolve().is_relative_to(here) else 1)
PYCHECK
then
  "$PY" -m pip install --quiet --disable-pip-version-check -e '.[test]'
fi

# Chinese letters embed fonts cut from Noto CJK (GB2312 + every template character, small glyph
# ids): built once into the cache here rather than on the first Chinese letter of a batch.
"$PY" -c "from notice_factory.fonts import main; main()" >/dev/null
# typst letters: their private font folders (Liberation without hinting programs; for Chinese
# the same cut), made once into the cache here rather than by the first typst letter.
"$PY" -c "from notice_factory.render.typst import font_folder; font_folder('fr'); font_folder('zh')"
