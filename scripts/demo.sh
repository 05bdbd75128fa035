#!/usr/bin/env bash
# The main job on the bundled fixtures: a registered-mail batch of the demo cases.
# Output in out/demo-batch (letters/, print/, deposit-slips/, manifest.csv/json, rejects.csv).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
PY="${PYTHON:-python3}"
# A batch never creates its ledger (a missing or emptied one would re-issue printed numbers):
# the demo's ledger is made on purpose, once, then kept from run to run.
if [ ! -e out/demo-ledger.sqlite ]; then
  "$PY" -m notice_factory ledger init out/demo-ledger.sqlite
  # La Poste's domestic numbers are issued by La Poste: the demo loads its (fictitious) list.
  "$PY" -m notice_factory ledger import-numbers fixtures/la-poste-numbers-demo.txt \
    --operator la-poste --ledger out/demo-ledger.sqlite
fi
rc=0
"$PY" -m notice_factory batch fixtures/cases.csv --out out/demo-batch \
  --ledger out/demo-ledger.sqlite --date 2026-11-23 || rc=$?
# 3 = the batch was written and the fixture's deliberately bad rows were rejected (see rejects.csv)
if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then exit "$rc"; fi
echo "demo batch written to out/demo-batch (exit status $rc)"
