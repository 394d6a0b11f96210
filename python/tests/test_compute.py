"""compute: golden values from the command line on data/caict-2025, inputs as DataFrames read
from the repository's CSV files or as dicts of NumPy arrays, and the options."""

import numpy as np
import pandas as pd
import pytest

import shuchuang_index as si
from conftest import DATA, REPO, assert_same_table, read_golden


def test_default_mode_equals_the_command_line(caict):
    fw, obs, pub = caict
    assert_same_table(si.compute(fw, obs, published=pub), read_golden("compute_default.csv"))


def test_raw_mode_equals_the_command_line(caict):
    fw, obs, _ = caict
    assert_same_table(si.compute(fw, obs), read_golden("compute_raw.csv"))


def test_options_equal_the_command_line(caict):
    fw, obs, _ = caict
    ours = si.compute(fw, obs, base_year=2020, to_year=2026, interpolation="linear")
    assert_same_table(ours, read_golden("compute_linear_2020_2026.csv"))
    assert (ours.attrs["base_year"], ours.attrs["to_year"]) == (2020, 2026)


def test_level_method_equals_the_command_line():
    fw = si.synth_framework()
    obs = si.synth_panel(5, 6, seed=3)
    ours = si.compute(fw, obs, method="level", normalisation="z-score")
    assert_same_table(ours, read_golden("compute_level_synth.csv"))


def test_copeland_aggregation_matches_the_numpy_fixture():
    # The engine's NumPy fixture (COINr's a_copeland, rescaled onto 0-100), through pandas.
    fixture = REPO / "crates" / "index-engine" / "tests" / "fixtures" / "normalise"
    fw = pd.read_csv(fixture / "framework.csv", dtype={"parent": str})[
        ["id", "parent", "weight", "direction"]
    ]
    obs = pd.read_csv(fixture / "observations.csv")
    want = pd.read_csv(fixture / "aggregations.csv")
    want = want[(want.normalisation == "rank") & (want.aggregation == "copeland")]
    ours = si.compute(fw, obs, method="level", normalisation="rank", aggregation="copeland")
    merged = ours.merge(want, on=["node", "unit", "year"], suffixes=("", "_numpy"))
    assert len(merged) == len(want) == 8 * 7 * 3
    np.testing.assert_allclose(merged["index"], merged["score"], rtol=0, atol=1e-9)


def test_the_repository_files_read_with_pandas_give_the_same_figures(caict):
    # framework.csv names the node column `id`, observations.csv the leaf column `indicator`.
    fw = pd.read_csv(DATA / "framework.csv", dtype={"parent": str})
    obs = pd.read_csv(DATA / "observations.csv")
    pub = pd.read_csv(DATA / "published.csv")
    assert_same_table(si.compute(fw, obs, published=pub), read_golden("compute_default.csv"))


def test_dicts_of_numpy_arrays_in_and_out(caict):
    fw, obs, pub = caict
    as_dict = lambda df: {c: df[c].to_numpy() for c in df.columns}  # noqa: E731
    out = si.compute(as_dict(fw), as_dict(obs), published=as_dict(pub), as_frame=False)
    golden = read_golden("compute_default.csv")
    assert set(out) == set(golden.columns) | {"attrs"}
    assert isinstance(out["index"], np.ndarray) and out["index"].dtype == np.float64
    assert out["node"].dtype == object and out["node"][0] == "fusion"
    assert_same_table(pd.DataFrame({c: out[c] for c in golden.columns}), golden)
    assert out["attrs"]["method"] == "chain with published aggregates"
    # The arrays are the caller's: writable.
    out["index"][0] = 1.0


def test_the_national_total_is_the_documented_figure(caict):
    fw, obs, pub = caict
    r = si.compute(fw, obs, published=pub, nodes=["fusion"])
    assert list(r.node.unique()) == ["fusion"]
    total_2024 = r.loc[r.year == 2024, "index"].item()
    assert round(total_2024, 2) == 145.85  # docs/index-engine.md, headline figures
    assert r.loc[r.year == 2024, "source"].item() == "carried"


def test_nodes_and_levels_select_rows_in_framework_order(caict):
    fw, obs, _ = caict
    r = si.compute(fw, obs, levels=[1], nodes=["fusion"])
    assert list(r.node.unique()) == ["fusion", "foundation", "key", "pathway", "efficacy"]
    assert len(r) == 5 * 6


def test_contributions_add_up_to_the_parent_growth(caict):
    fw, obs, _ = caict
    r = si.compute(fw, obs)
    g = r[(r.node == "fusion") & (r.year == 2024)].growth.item()
    children = fw.loc[fw.parent == "fusion", "node"].astype(str).tolist()
    c = r[r.node.isin(children) & (r.year == 2024)].contribution.sum()
    assert abs(c - g) < 1e-12


def test_observation_order_does_not_matter(caict):
    fw, obs, _ = caict
    shuffled = obs.sample(frac=1.0, random_state=1).reset_index(drop=True)
    assert_same_table(si.compute(fw, shuffled), si.compute(fw, obs).astype({"node": object, "unit": object, "source": object}))


def test_directions_and_weights_from_the_framework():
    fw = pd.DataFrame({"node": ["t", "a", "b"], "parent": [None, "t", "t"], "weight": [np.nan, 1.0, 3.0], "direction": [1, 1, -1]})
    obs = pd.DataFrame({"leaf": ["a", "a", "b", "b"], "unit": ["X"] * 4, "year": [2023, 2024] * 2, "value": [100.0, 125.0, 50.0, 60.0]})
    r = si.compute(fw, obs)
    sym = lambda x0, x1: 200 * (x1 - x0) / (x1 + x0)  # noqa: E731
    g = r[(r.node == "t") & (r.year == 2024)].growth.item()
    assert g == pytest.approx(0.25 * sym(100, 125) - 0.75 * sym(50, 60), abs=1e-12)


def test_fill_notes_reach_attrs():
    fw = pd.DataFrame({"node": ["t", "a"], "parent": ["", "t"]})
    obs = pd.DataFrame({"leaf": ["a", "a"], "unit": ["X", "X"], "year": [2020, 2023], "value": [0.0, 3.0]})
    r = si.compute(fw, obs)
    (note,) = r.attrs["notes"]
    assert (note["leaf"], note["unit"], note["from_year"], note["to_year"]) == ("a", "X", 2021, 2022)
    assert "linearly" in note["message"]
