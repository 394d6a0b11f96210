"""The GIL is released while the engine works: another Python thread runs meanwhile."""

import threading
import time

import shuchuang_index as si
from shuchuang_index import _framework, _native, _observations, _setup


def test_a_thread_runs_while_compute_works():
    # 2,000 units × 31 years: long enough (tens of milliseconds or more) to observe.
    fw = _framework(si.synth_framework())
    obs = _observations(si.synth_panel(2000, 31, seed=1))
    setup = _setup(None, None, "geometric", "chain", "min-max", "arithmetic", None)
    ticks = []
    done = threading.Event()

    def spin():
        while not done.is_set():
            ticks.append(time.perf_counter())

    spinner = threading.Thread(target=spin)
    spinner.start()
    try:
        time.sleep(0.01)
        # The native call alone, so no Python code of this thread is inside the window; only
        # the fusion rows come back, so handing the result over is short.
        t0 = time.perf_counter()
        cols, _ = _native.compute(fw, obs, setup, nodes=["fusion"])
        t1 = time.perf_counter()
    finally:
        done.set()
        spinner.join()
    inside = sum(1 for t in ticks if t0 < t <= t1)
    # Holding the GIL, the spinner could not run at all between t0 and t1 (switching needs
    # this thread to reach the interpreter loop, which native code never does).
    assert inside >= 100, f"{inside} ticks of the other thread in {1000 * (t1 - t0):.1f} ms of compute"
    assert cols[0][0] == "node"
