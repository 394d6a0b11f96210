"""The GIL is released while the engine works: another Python thread runs meanwhile."""

import threading
import time

import shuchuang_index as si
from shuchuang_index import _framework, _native, _observations, _setup


def test_a_thread_runs_while_compute_works():
    # 3,000 units × 31 years: long enough (about 100 ms or more) to observe.
    fw = _framework(si.synth_framework())
    obs = _observations(si.synth_panel(3000, 31, seed=1))
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
    d = t1 - t0
    # Holding the GIL, native code never lets another thread run: the spinner could take
    # steps only at the edges of the window (up to a switch interval, 5 ms, after t0 and
    # before t1, while this thread still runs Python code). So count its steps in the middle
    # half of the window only.
    middle = sum(1 for t in ticks if t0 + d / 4 < t < t1 - d / 4)
    assert d > 0.04, f"compute took {1000 * d:.1f} ms, too short to tell"
    assert middle >= 10, f"{middle} steps of the other thread in the middle of {1000 * d:.1f} ms of compute"
    assert cols[0][0] == "node"
