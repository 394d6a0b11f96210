"""Shared paths and loaders of the tests: the golden files written by the command line
(fixtures/make_fixtures.sh) and the repository's shipped data."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import shuchuang_index as si

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
REPO = HERE.parent.parent
DATA = REPO / "data" / "caict-2025"


def _number(x: str) -> float:
    return float(x) if x else float("nan")


def read_golden(name: str) -> pd.DataFrame:
    """A CSV the command line wrote. Numbers are read with Python's `float`, which rounds
    correctly, so the shortest round-trip text gives back the very f64 that was written; a
    column with any text that is not a number stays text (empty cells "")."""
    raw = pd.read_csv(FIXTURES / name, dtype=str, keep_default_na=False)
    out = {}
    for c in raw.columns:
        try:
            out[c] = np.array([_number(x) for x in raw[c]], dtype=np.float64)
        except ValueError:
            out[c] = raw[c]
    return pd.DataFrame(out)


def assert_same_table(ours: pd.DataFrame, golden: pd.DataFrame) -> None:
    """Same columns, same rows in the same order, text equal and every number bit for bit."""
    assert list(ours.columns) == list(golden.columns)
    assert len(ours) == len(golden)
    for c in golden.columns:
        g = golden[c]
        o = ours[c]
        if g.dtype == np.float64:
            a = o.to_numpy(dtype=np.float64)
            b = g.to_numpy(dtype=np.float64)
            bad = ~((a == b) | (np.isnan(a) & np.isnan(b)))
            assert not bad.any(), f"column {c}: first difference at row {int(np.argmax(bad))}: {a[bad][:3].tolist()} vs {b[bad][:3].tolist()}"
        else:
            a = o.astype(object).where(o.notna(), "").astype(str).to_numpy()
            b = g.astype(object).where(g.notna(), "").astype(str).to_numpy()
            assert (a == b).all(), f"column {c}: {a[a != b][:3]} vs {b[a != b][:3]}"


@pytest.fixture(scope="session")
def caict():
    """The shipped national data: framework, observations, published figures."""
    return si.caict2025_framework(), si.caict2025_panel(), si.caict2025_published()
