#!/usr/bin/env bash
# The test command: installs what is missing, then runs the whole suite
# (unit, doctests, real WeasyPrint/LibreOffice/pypdf/SQLite pipelines), mypy and ruff.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
PY="${PYTHON:-python3}"
"$PY" -m ruff check src tests bench
"$PY" -m mypy
exec "$PY" -m pytest -q "$@"
