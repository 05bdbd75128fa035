"""Scheduling the batch tail on the pool: costliest first, every slot busy."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from notice_factory.workers import map_scheduled


class _RecordingPool(ProcessPoolExecutor):
    """A real process pool that remembers the order calls were submitted in."""

    def __init__(self, workers: int) -> None:
        super().__init__(workers, mp_context=multiprocessing.get_context("forkserver"))
        self.submitted: list[str] = []

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.submitted.append(args[0])
        return super().submit(fn, *args, **kwargs)


def _task(name: str, started: Any, lock: Any, together: Any) -> str:
    with lock:
        started.append(name)
    if together is not None:
        # Returns only once the other costly call runs too: both slots busy at once (a pool
        # that ran them one after the other would break the barrier instead of hanging).
        together.wait(timeout=120)
    return name


def test_costliest_first_and_both_slots_busy() -> None:
    """Order only, no clock: submitted costliest first, the two costliest run together,
    the short ones start after them, results come back in call order."""
    with multiprocessing.Manager() as manager, _RecordingPool(2) as pool:
        started, lock, together = manager.list(), manager.Lock(), manager.Barrier(2)
        costly = {"long": 5, "middle": 3}
        names = ["short-a", "long", "short-b", "middle", "short-c"]
        calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
            ((n, started, lock, together if n in costly else None), {}) for n in names]
        out = map_scheduled(pool, _task, calls, costs=[costly.get(n, 1) for n in names])
        order = list(started)
    assert out == names  # results in call order
    assert pool.submitted == ["long", "middle", "short-a", "short-b", "short-c"]
    assert set(order[:2]) == {"long", "middle"}
    assert set(order[2:]) == {"short-a", "short-b", "short-c"}


def test_without_a_pool_everything_runs_here_in_order() -> None:
    out = map_scheduled(None, divmod, [((7, 2), {}), ((9, 4), {})], costs=[1, 9])
    assert out == [(3, 1), (2, 1)]


def _gc_state() -> tuple[tuple[int, int, int], int]:
    import gc

    return gc.get_threshold(), gc.get_freeze_count()


def test_a_warmed_render_worker_freezes_its_engines_and_relaxes_its_collector() -> None:
    """Issue 16: after warm-up a render worker's engines (fonts, style sheets, templates) are
    frozen out of the collector and the thresholds raised; the batch process keeps Python's."""
    import gc

    from notice_factory.workers import WORKER_GC_THRESHOLDS, start_pool

    pools = start_pool(1)
    assert pools is not None
    try:
        thresholds, frozen = pools.submit(_gc_state).result(timeout=300)
    finally:
        pools.shutdown()
    assert thresholds == WORKER_GC_THRESHOLDS
    assert frozen > 10_000, frozen  # the imported and warmed engines' objects
    assert gc.get_threshold() != WORKER_GC_THRESHOLDS
