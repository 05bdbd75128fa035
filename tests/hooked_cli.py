"""Run `notice-factory` with the workers' test hooks set (a test driver, not a test).

    python tests/hooked_cli.py '{"crash_on": "FR-0003"}' batch cases.csv --out ...

The product reads no test hook from the environment: this driver sets
``notice_factory.workers.FAULT_HOOKS`` in the batch process, which hands it to every worker
it starts (see :class:`notice_factory.workers.FaultHooks`).
"""

from __future__ import annotations

import json
import sys

from notice_factory import workers
from notice_factory.cli import main

if __name__ == "__main__":
    workers.FAULT_HOOKS = workers.FaultHooks(**json.loads(sys.argv[1]))
    main(sys.argv[2:], prog_name="notice-factory")
