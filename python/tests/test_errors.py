"""Bad input raises ValueError with the engine's message, naming the input, the row, the field
and the value; nothing is computed from half-checked input."""

import numpy as np
import pandas as pd
import pytest

import shuchuang_index as si


def small():
    fw = pd.DataFrame({"node": ["t", "a", "b"], "parent": ["", "t", "t"]})
    obs = pd.DataFrame(
        {"leaf": ["a", "a", "b", "b"], "unit": ["X"] * 4, "year": [2023, 2024, 2023, 2024], "value": [1.0, 2.0, 3.0, 4.0]}
    )
    return fw, obs


def with_cell(df, row, col, value):
    df = df.copy()
    df[col] = df[col].astype(object)
    df.loc[row, col] = value
    return df


@pytest.mark.parametrize(
    "col,value,message",
    [
        ("value", -1.0, "observations: line 3: value '-1' is invalid: negative values are not allowed"),
        ("value", np.nan, "observations: line 3: value 'NaN' is invalid: must be a finite number"),
        ("value", np.inf, "observations: line 3: value 'inf' is invalid: must be a finite number"),
        ("leaf", "zz", "observations: line 3: indicator 'zz' is invalid: not an id of the framework"),
        ("leaf", "t", "observations: line 3: indicator 't' is invalid: is not a leaf of the framework"),
        ("unit", "", "observations: line 3: unit '' is invalid: must not be empty"),
        ("unit", None, "observations: line 3: unit '' is invalid: must not be empty"),
        ("year", 2023.5, "observations: line 3: year '2023.5' is invalid: not a whole number"),
    ],
)
def test_bad_observations(col, value, message):
    fw, obs = small()
    with pytest.raises(ValueError) as e:
        si.compute(fw, with_cell(obs, 2, col, value))
    assert str(e.value).startswith(message), str(e.value)


def test_duplicate_observation_names_both_rows():
    fw, obs = small()
    obs = pd.concat([obs, obs.iloc[[1]]], ignore_index=True)
    with pytest.raises(ValueError, match=r"observations: line 5: duplicate observation for indicator 'a', unit 'X', year 2024 \(first given on line 2\)"):
        si.compute(fw, obs)


@pytest.mark.parametrize(
    "frame,message",
    [
        (pd.DataFrame({"node": ["t", "a", "a"], "parent": ["", "t", "t"]}), "framework: line 3: node 'a'"),
        (pd.DataFrame({"node": ["t", "a"], "parent": ["", "zz"]}), "framework: line 2: node 'a'"),
        (pd.DataFrame({"node": ["t", "a"], "parent": ["", "t"], "direction": [1, 2]}), "framework: line 2: node 'a': direction must be 1 or -1, not 2"),
        (pd.DataFrame({"node": ["t", "a"], "parent": ["", "t"], "weight": [np.nan, -1.0]}), "framework: line 2: weight '-1' is invalid: negative weights are not allowed"),
        (pd.DataFrame({"node": ["t", "a"], "parent": ["", "t"], "level": [0, 1.5]}), "framework: line 2: level '1.5' is invalid"),
        (pd.DataFrame({"node": ["t", "a"]}), "framework: line 1: missing column 'parent'"),
        (pd.DataFrame({"parent": ["", "t"]}), "framework: line 1: missing column 'node'"),
    ],
)
def test_bad_frameworks(frame, message):
    _, obs = small()
    with pytest.raises(ValueError) as e:
        si.compute(frame, obs)
    assert str(e.value).startswith(message), str(e.value)


def test_missing_observation_column():
    fw, obs = small()
    with pytest.raises(ValueError, match="observations: line 1: missing column 'value'"):
        si.compute(fw, obs.drop(columns=["value"]))


def test_both_spellings_of_a_column_are_refused():
    fw, obs = small()
    with pytest.raises(ValueError, match="'leaf' and 'indicator' name the same thing"):
        si.compute(fw, obs.assign(indicator=obs.leaf))


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"interpolation": "cubic"}, "invalid option: interpolation: unknown variant `cubic`"),
        ({"method": "mean"}, "invalid option: method: unknown variant `mean`"),
        ({"method": "level", "normalisation": "unit"}, "invalid option: normalisation: unknown variant `unit`"),
        ({"base_year": 2025, "to_year": 2024}, "invalid option"),
        ({"nodes": ["zz"]}, "unknown node 'zz'"),
        ({"rule": {"a": "always"}}, "invalid option: a published rule needs published figures"),
        ({"base_year": 2023.5}, "invalid option: base_year: 2023.5 is not a whole number"),
    ],
)
def test_bad_options(kwargs, message):
    fw, obs = small()
    with pytest.raises(ValueError) as e:
        si.compute(fw, obs, **kwargs)
    assert str(e.value).startswith(message), str(e.value)


def test_bad_published_figures(caict):
    fw, obs, pub = caict
    bad = with_cell(pub, 1, "index", -5.0)
    with pytest.raises(ValueError, match=r"published: line 2: index '-5' is invalid"):
        si.compute(fw, obs, published=bad)
    with pytest.raises(ValueError, match="published figures apply to the chain method"):
        si.compute(fw, obs, published=pub, method="level")


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda fw, obs: si.uncertainty(fw, obs, samples=0), "invalid option: samples must be between 1 and 10000000, not 0"),
        (lambda fw, obs: si.uncertainty(fw, obs, perturb=1.5), "invalid option: the perturbation must be in (0, 1), not 1.5"),
        (lambda fw, obs: si.uncertainty(fw, obs, samples=-3), "invalid option: samples: -3 is not a whole number"),
        (lambda fw, obs: si.sensitivity(fw, obs, perturb=0.0), "invalid option: the perturbation must be in (0, 1), not 0"),
        (lambda fw, obs: si.sobol(fw, obs, samples=1), "invalid option"),
        (lambda fw, obs: si.sobol(fw, obs, unit="Y"), "unknown unit 'Y'"),
        (lambda fw, obs: si.synth_panel(0), "invalid option: units must be between 1"),
    ],
)
def test_bad_analysis_options(call, message):
    fw, obs = small()
    with pytest.raises(ValueError) as e:
        call(fw, obs)
    assert str(e.value).startswith(message), str(e.value)


def test_a_table_of_another_type_is_a_type_error():
    fw, _ = small()
    with pytest.raises(TypeError, match="observations must be a pandas DataFrame or a mapping"):
        si.compute(fw, [("a", "X", 2023, 1.0)])
