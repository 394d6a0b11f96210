"""fill, sensitivity, uncertainty and sobol: golden values from the command line on
data/caict-2025, and the seeds."""

import numpy as np
import pandas as pd

import shuchuang_index as si
from conftest import assert_same_table, read_golden


def test_fill_equals_the_command_line(caict):
    fw, obs, _ = caict
    ours = si.fill(fw, obs)
    golden = read_golden("fill.csv").rename(columns={"indicator": "leaf"})
    assert_same_table(ours, golden)
    assert set(ours.flag.unique()) == {"observed", "interpolated", "carried", "missing"}


def test_fill_output_feeds_back_as_observations(caict):
    fw, obs, _ = caict
    filled = si.fill(fw, obs)
    observed = filled[filled.flag == "observed"]
    again = si.fill(fw, observed[["leaf", "unit", "year", "value"]])
    assert_same_table(again, filled)


def test_sensitivity_equals_the_command_line(caict):
    fw, obs, pub = caict
    ours = si.sensitivity(fw, obs, published=pub, perturb=0.2)
    assert_same_table(ours, read_golden("sensitivity.csv"))
    cases = ours.attrs["cases"]
    assert list(cases.columns) == ["weight", "direction", "total_change_pct", "unit"]
    worst = cases.loc[cases.total_change_pct.abs().idxmax()]
    # docs/index-engine.md: pathway lowered by 20 % moves the 2024 total by -1.16 %.
    assert (worst.weight, worst.direction, round(worst.total_change_pct, 2)) == ("pathway", "down", -1.16)
    assert ours.attrs["year"] == 2024


def test_uncertainty_equals_the_command_line(caict):
    fw, obs, pub = caict
    ours = si.uncertainty(fw, obs, published=pub, samples=500, seed=7, perturb=0.2)
    assert_same_table(ours, read_golden("uncertainty.csv"))
    assert ours.attrs == {"samples": 500, "seed": 7, "perturb": 0.2}


def test_uncertainty_seed_decides_the_draws(caict):
    fw, obs, _ = caict
    a = si.uncertainty(fw, obs, samples=200, seed=1)
    b = si.uncertainty(fw, obs, samples=200, seed=1)
    c = si.uncertainty(fw, obs, samples=200, seed=2)
    assert_same_table(a, b)
    assert not np.array_equal(a.p50.to_numpy(), c.p50.to_numpy(), equal_nan=True)


def test_sobol_equals_the_command_line(caict):
    fw, obs, pub = caict
    ours = si.sobol(fw, obs, published=pub, samples=256, seed=1, perturb=0.2)
    assert_same_table(ours, read_golden("sobol.csv"))
    a = ours.attrs
    assert (a["node"], a["unit"], a["year"], a["runs"]) == ("fusion", "CN", 2024, 256 * (43 + 2))
    assert a["variance"] > 0


def test_sobol_of_a_chosen_figure(caict):
    fw, obs, _ = caict
    r = si.sobol(fw, obs, samples=64, node="pathway", year=2023, as_frame=False)
    assert r["attrs"]["node"] == "pathway" and r["attrs"]["year"] == 2023
    st = dict(zip(r["factor"], r["ST"]))
    fw_parent = dict(zip(fw.node.astype(str), fw.parent.astype(str)))
    # Weights outside pathway's subtree cannot move it; its children's can.
    assert st["foundation"] == 0.0 and st["key"] == 0.0
    assert max(st[n] for n, p in fw_parent.items() if p == "pathway") > 0.0


def test_sensitivity_and_uncertainty_accept_the_level_method():
    fw = si.synth_framework()
    obs = si.synth_panel(6, 4, seed=2)
    s = si.sensitivity(fw, obs, method="level")
    assert len(s) == len(fw) * 6
    u = si.uncertainty(fw, obs, method="level", samples=50)
    assert (u.p5 <= u.p95 + 1e-12).all()
    assert isinstance(u, pd.DataFrame)
