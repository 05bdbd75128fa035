"""Scheduling the batch tail on the pool: costliest first, every slot busy."""

from __future__ import annotations

import itertools
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor

from notice_factory.workers import map_scheduled


def _interval(name: str, seconds: float) -> tuple[str, float, float]:
    start = time.monotonic()  # CLOCK_MONOTONIC: one clock for every process of the machine
    time.sleep(seconds)
    return name, start, time.monotonic()


def test_costliest_first_and_both_slots_busy() -> None:
    calls = [(("short-a", 0.1), {}), (("long", 0.5), {}), (("short-b", 0.1), {}),
             (("middle", 0.3), {}), (("short-c", 0.1), {})]
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("forkserver")) as pool:
        pool.submit(time.sleep, 0).result()  # the workers exist before the clock starts
        out = map_scheduled(pool, _interval, calls, costs=[1, 5, 1, 3, 1])
    assert [name for name, _, _ in out] == ["short-a", "long", "short-b", "middle",
                                            "short-c"]  # results in call order
    spans = {name: (start, end) for name, start, end in out}
    # The two costliest started first, together; the short ones filled in after "middle".
    assert abs(spans["long"][0] - spans["middle"][0]) < 0.1
    assert all(spans[n][0] >= spans["middle"][1] - 0.01 for n in ("short-a", "short-b",
                                                                  "short-c"))
    # Never more than two at once.
    edges = sorted([(s, 1) for s, _ in spans.values()] + [(e, -1) for _, e in spans.values()])
    running = list(itertools.accumulate(d for _, d in edges))
    assert max(running) == 2


def test_without_a_pool_everything_runs_here_in_order() -> None:
    out = map_scheduled(None, divmod, [((7, 2), {}), ((9, 4), {})], costs=[1, 9])
    assert out == [(3, 1), (2, 1)]
