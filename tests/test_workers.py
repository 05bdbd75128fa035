"""Scheduling the batch tail on the pool: costliest first, heavy merges one at a time."""

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


def test_heavy_calls_never_overlap_and_light_ones_fill_in() -> None:
    calls = [(("heavy-a", 0.4), {}), (("heavy-b", 0.4), {}), (("light-a", 0.3), {}),
             (("light-b", 0.3), {}), (("heavy-c", 0.2), {})]
    heavy = [True, True, False, False, True]
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("forkserver")) as pool:
        out = map_scheduled(pool, _interval, calls, costs=[5, 4, 3, 2, 1], heavy=heavy, slots=2)
    assert [name for name, _, _ in out] == ["heavy-a", "heavy-b", "light-a", "light-b",
                                            "heavy-c"]  # results in call order
    spans = {name: (start, end) for name, start, end in out}
    heavies = sorted(spans[n] for n in ("heavy-a", "heavy-b", "heavy-c"))
    for (_, end), (start, _) in itertools.pairwise(heavies):
        assert start >= end - 0.01, "two heavy calls ran at the same time"
    # The second slot was not left idle: a light call ran while the first heavy one did.
    a_start, a_end = spans["heavy-a"]
    assert any(s < a_end and e > a_start for n, (s, e) in spans.items() if n.startswith("light"))


def test_without_a_pool_everything_runs_here_in_order() -> None:
    out = map_scheduled(None, divmod, [((7, 2), {}), ((9, 4), {})], costs=[1, 9],
                        heavy=[False, True], slots=4)
    assert out == [(3, 1), (2, 1)]
