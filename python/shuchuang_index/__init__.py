"""Composite indices from pandas DataFrames or dicts of NumPy arrays, computed by index-engine.

The CAICT 2025 science-industry fusion index (两创融合指数) and any index of its family: a tree
of indicators (the *framework*), a panel of observations of many units over many years, the
symmetric chain method or the level method, gap filling with every filled value flagged,
contributions, one-at-a-time sensitivity, Sobol indices and Monte Carlo uncertainty. The
computations run in Rust (the ``shuchuang`` workspace's ``index-engine``) with the GIL
released, so other Python threads go on meanwhile.

>>> import shuchuang_index as si
>>> fw, obs = si.caict2025_framework(), si.caict2025_panel()
>>> result = si.compute(fw, obs, published=si.caict2025_published())
>>> row = result[(result.node == "fusion") & (result.year == 2024)]
>>> round(float(row["index"].iloc[0]), 2)
145.85

Inputs, in long format, as a pandas DataFrame or a mapping of column name to array:

- ``framework``: ``node`` (or ``id``), ``parent`` (empty or missing for the root), and
  optionally ``weight`` (missing: equal among siblings), ``direction`` (1 or -1), ``level``,
  ``name_zh``, ``name_en``, ``unit``, ``latest_year``;
- ``observations``: ``leaf`` (or ``indicator``), ``unit``, ``year``, ``value``, one row per
  value (leave a missing value out);
- ``published`` (optional): ``node``, ``year``, ``index`` and optionally ``unit``, ``kind``
  (``actual`` or ``estimate``), ``quote``.

Outputs are DataFrames in long format (text columns as pandas categoricals), or with
``as_frame=False`` dicts of NumPy arrays (text as object arrays). What the table does not
hold (the years computed, seeds, notes of the gap filling, Sobol's mean and variance) is in
``DataFrame.attrs``, or under the key ``"attrs"`` of a dict.

Bad input raises ``ValueError`` with the engine's message, which names the input
(``framework``, ``observations``, ``published``), the row as ``line N`` (the N-th row,
counting from 1), the field and the value.
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from . import _native

__all__ = [
    "compute",
    "fill",
    "sensitivity",
    "sobol",
    "uncertainty",
    "caict2025_framework",
    "caict2025_panel",
    "caict2025_published",
    "synth_framework",
    "synth_panel",
]

__version__ = "0.1.0"

_FRAMEWORK_COLUMNS = "node,parent[,weight,direction,level,name_zh,name_en,unit,latest_year]"
_OBSERVATION_COLUMNS = "leaf,unit,year,value"
_PUBLISHED_COLUMNS = "node,year,index[,unit,kind,quote]"


# ---------------------------------------------------------------------------------------------
# Inputs


def _as_columns(table: Any, what: str) -> Mapping[str, Any]:
    """The columns of a DataFrame or a mapping, by name."""
    if hasattr(table, "columns") and hasattr(table, "__getitem__"):
        return {str(c): table[c] for c in table.columns}
    if isinstance(table, Mapping):
        return table
    raise TypeError(
        f"{what} must be a pandas DataFrame or a mapping of column name to array, "
        f"not {type(table).__name__}"
    )


def _pick(cols: Mapping[str, Any], what: str, names: Sequence[str], expected: str, required: bool = True) -> Any:
    """The column called by the first of `names` present; both spellings at once is an error."""
    found = [n for n in names if n in cols]
    if len(found) > 1:
        raise ValueError(f"{what}: columns {found[0]!r} and {found[1]!r} name the same thing; keep one")
    if found:
        return cols[found[0]]
    if required:
        raise ValueError(
            f"{what}: line 1: missing column '{names[0]}' (expected columns: {expected})"
        )
    return None


def _is_missing(x: Any) -> bool:
    if x is None:
        return True
    try:
        return bool(x != x)  # NaN, pandas.NA and NaT are not equal to themselves
    except (TypeError, ValueError):
        return False


def _texts(col: Any, n: int) -> List[str]:
    """A text column as strings; a missing cell is empty."""
    if col is None:
        return [""] * n
    return ["" if _is_missing(x) else str(x) for x in _to_list(col)]


def _to_list(col: Any) -> list:
    if hasattr(col, "tolist"):
        return col.tolist()
    return list(col)


def _floats(col: Any, n: int, what: str, name: str) -> np.ndarray:
    """A numeric column as float64, missing cells NaN."""
    if col is None:
        return np.full(n, np.nan)
    try:
        if hasattr(col, "to_numpy"):
            return np.ascontiguousarray(col.to_numpy(dtype=np.float64, na_value=np.nan))
        return np.ascontiguousarray(
            np.asarray([np.nan if _is_missing(x) else x for x in _to_list(col)], dtype=np.float64)
            if not isinstance(col, np.ndarray) or col.dtype == object
            else col.astype(np.float64)
        )
    except (TypeError, ValueError) as e:
        raise ValueError(f"{what}: column '{name}' is not numeric: {e}") from None


def _codes(col: Any) -> Tuple[np.ndarray, List[str]]:
    """A text column as int64 codes (-1 for a missing cell) into its distinct texts."""
    try:
        import pandas as pd

        codes, uniques = pd.factorize(np.asarray(_to_list(col), dtype=object) if not hasattr(col, "dtype") else col)
        names = [str(x) for x in _to_list(uniques)]
        return np.ascontiguousarray(codes, dtype=np.int64), names
    except ImportError:
        seen: Dict[str, int] = {}
        out = np.empty(len(col), dtype=np.int64)
        for i, x in enumerate(_to_list(col)):
            out[i] = -1 if _is_missing(x) else seen.setdefault(str(x), len(seen))
        return out, list(seen)


def _framework(table: Any) -> Dict[str, Any]:
    cols = _as_columns(table, "framework")
    node = _pick(cols, "framework", ("node", "id"), _FRAMEWORK_COLUMNS)
    ids = _texts(node, len(node))
    n = len(ids)
    parent = _pick(cols, "framework", ("parent",), _FRAMEWORK_COLUMNS)
    return {
        "node": ids,
        "parent": _texts(parent, n),
        "weight": _floats(cols.get("weight"), n, "framework", "weight").tolist(),
        "direction": _floats(cols.get("direction"), n, "framework", "direction").tolist(),
        "level": _floats(cols.get("level"), n, "framework", "level").tolist(),
        "name_zh": _texts(cols.get("name_zh"), n),
        "name_en": _texts(cols.get("name_en"), n),
        "unit": _texts(cols.get("unit"), n),
        "latest_year": _floats(cols.get("latest_year"), n, "framework", "latest_year").tolist(),
    }


def _observations(table: Any) -> Dict[str, Any]:
    cols = _as_columns(table, "observations")
    leaf = _pick(cols, "observations", ("leaf", "indicator"), _OBSERVATION_COLUMNS)
    unit = _pick(cols, "observations", ("unit",), _OBSERVATION_COLUMNS)
    year = _pick(cols, "observations", ("year",), _OBSERVATION_COLUMNS)
    value = _pick(cols, "observations", ("value",), _OBSERVATION_COLUMNS)
    n = len(leaf)
    leaf_codes, leaf_names = _codes(leaf)
    unit_codes, unit_names = _codes(unit)
    return {
        "leaf_codes": leaf_codes.tobytes(),
        "leaf_names": leaf_names,
        "unit_codes": unit_codes.tobytes(),
        "unit_names": unit_names,
        "year": _floats(year, n, "observations", "year").tobytes(),
        "value": _floats(value, n, "observations", "value").tobytes(),
    }


def _published(table: Any) -> Optional[Dict[str, Any]]:
    if table is None:
        return None
    cols = _as_columns(table, "published")
    node = _pick(cols, "published", ("node",), _PUBLISHED_COLUMNS)
    year = _pick(cols, "published", ("year",), _PUBLISHED_COLUMNS)
    index = _pick(cols, "published", ("index",), _PUBLISHED_COLUMNS)
    n = len(node)
    return {
        "node": _texts(node, n),
        "unit": _texts(cols.get("unit"), n),
        "year": _floats(year, n, "published", "year").tolist(),
        "index": _floats(index, n, "published", "index").tolist(),
        "kind": _texts(cols.get("kind"), n),
        "quote": _texts(cols.get("quote"), n),
    }


def _year(x: Optional[int], name: str) -> Optional[int]:
    if x is None:
        return None
    if isinstance(x, (bool, float)) and not (isinstance(x, float) and x.is_integer()):
        raise ValueError(f"invalid option: {name}: {x!r} is not a whole number")
    try:
        y = int(x)
    except (TypeError, ValueError):
        raise ValueError(f"invalid option: {name}: {x!r} is not a whole number") from None
    if not -(2**31) <= y < 2**31:
        raise ValueError(f"invalid option: {name}: {y} is outside the range of years")
    return y


def _count(x: int, name: str, bits: int = 64) -> int:
    if isinstance(x, bool) or not isinstance(x, (int, np.integer)) or not 0 <= int(x) < 2**bits:
        raise ValueError(f"invalid option: {name}: {x!r} is not a whole number from 0 to 2^{bits} - 1")
    return int(x)


def _fraction(x: float, name: str) -> float:
    try:
        f = float(x)
    except (TypeError, ValueError):
        raise ValueError(f"invalid option: {name}: {x!r} is not a number") from None
    if math.isnan(f):
        raise ValueError(f"invalid option: {name}: NaN is not a number")
    return f


def _setup(
    base_year: Optional[int],
    to_year: Optional[int],
    interpolation: str,
    method: str,
    normalisation: str,
    aggregation: str,
    rule: Optional[Mapping[str, str]],
) -> Dict[str, Any]:
    return {
        "base_year": _year(base_year, "base_year"),
        "to_year": _year(to_year, "to_year"),
        "interpolation": str(interpolation),
        "method": str(method),
        "normalisation": str(normalisation),
        "aggregation": str(aggregation),
        "rule": None if rule is None else {str(k): str(v) for k, v in dict(rule).items()},
    }


# ---------------------------------------------------------------------------------------------
# Outputs


def _arrays(cols: list, as_frame: bool) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for name, kind, buf, names in cols:
        if kind == "f8":
            out[name] = np.frombuffer(buf, dtype=np.float64)
        elif kind == "i8":
            out[name] = np.frombuffer(buf, dtype=np.int64)
        else:
            codes = np.frombuffer(buf, dtype=np.uint32).astype(np.int64)
            if as_frame:
                import pandas as pd

                out[name] = pd.Categorical.from_codes(codes, categories=names)
            else:
                out[name] = np.asarray(names, dtype=object)[codes] if names else np.empty(0, dtype=object)
    return out


def _table(cols: list, attrs: Optional[Mapping[str, Any]], as_frame: bool) -> Any:
    arrays = _arrays(cols, as_frame)
    # The one nested table: the weight changes of `sensitivity`.
    meta = {k: (_table(v, None, as_frame) if k == "cases" else v) for k, v in (attrs or {}).items()}
    if as_frame:
        import pandas as pd

        frame = pd.DataFrame(arrays)
        frame.attrs.update(meta)
        return frame
    if attrs is not None:
        arrays["attrs"] = meta
    return arrays


# ---------------------------------------------------------------------------------------------
# The computations


def compute(
    framework: Any,
    observations: Any,
    *,
    published: Any = None,
    rule: Optional[Mapping[str, str]] = None,
    base_year: Optional[int] = None,
    to_year: Optional[int] = None,
    interpolation: str = "geometric",
    method: str = "chain",
    normalisation: str = "min-max",
    aggregation: str = "arithmetic",
    nodes: Optional[Sequence[str]] = None,
    levels: Optional[Sequence[int]] = None,
    as_frame: bool = True,
) -> Any:
    """Every node, unit and year: ``index_engine::compute`` (and ``compute_published``).

    Columns ``node,unit,year,index,growth,contribution,total_contribution,estimated_share,
    missing_share,source``, ordered by node (framework order), unit (sorted) and year; NaN
    where a figure does not exist (growth in the base year, say). As the CLI's ``index
    compute``: the symmetric chain (``method="chain"``, the default) from the observations
    alone, or with ``published`` figures standing in for nodes whose own data falls short
    (``rule`` maps a node to ``"auto"``, ``"always"`` or ``"never"``); or the level method
    (``method="level"`` with ``normalisation`` and ``aggregation`` as the engine names them,
    e.g. ``"min-max"``, ``"z-score"``, ``"arithmetic"``, ``"geometric"``).

    ``base_year`` (index 100; default the first year with data), ``to_year`` (trailing gaps up
    to it are carried forward; default the last year with data), ``interpolation`` of interior
    gaps (``"geometric"``, ``"linear"`` or ``"none"``). ``nodes`` and ``levels`` keep only the
    named nodes and the nodes at those depths (root 0). ``attrs``: ``method``,
    ``interpolation``, ``base_year``, ``to_year``, ``last_observed_year`` and ``notes`` (gaps
    not filled as asked).
    """
    setup = _setup(base_year, to_year, interpolation, method, normalisation, aggregation, rule)
    cols, attrs = _native.compute(
        _framework(framework),
        _observations(observations),
        setup,
        published=_published(published),
        nodes=None if nodes is None else [str(n) for n in nodes],
        levels=None if levels is None else [_count(x, "levels", 32) for x in levels],
    )
    return _table(cols, attrs, as_frame)


def fill(
    framework: Any,
    observations: Any,
    *,
    base_year: Optional[int] = None,
    to_year: Optional[int] = None,
    interpolation: str = "geometric",
    as_frame: bool = True,
) -> Any:
    """The filled panel: ``index_engine::ComputeOptions::fill``, as the CLI's ``index fill``.

    Columns ``leaf,unit,year,value,flag`` for every leaf (framework order), unit (sorted) and
    year, ``flag`` one of ``observed``, ``interpolated``, ``carried``, ``missing`` (value NaN).
    ``attrs``: ``interpolation``, ``base_year``, ``to_year``, ``last_observed_year``,
    ``notes``.
    """
    setup = _setup(base_year, to_year, interpolation, "chain", "min-max", "arithmetic", None)
    cols, attrs = _native.fill(_framework(framework), _observations(observations), setup)
    return _table(cols, attrs, as_frame)


def sensitivity(
    framework: Any,
    observations: Any,
    *,
    perturb: float = 0.2,
    year: Optional[int] = None,
    published: Any = None,
    rule: Optional[Mapping[str, str]] = None,
    base_year: Optional[int] = None,
    to_year: Optional[int] = None,
    interpolation: str = "geometric",
    method: str = "chain",
    normalisation: str = "min-max",
    aggregation: str = "arithmetic",
    as_frame: bool = True,
) -> Any:
    """The one-at-a-time test: ``index_engine::sensitivity::one_at_a_time``.

    Each weight with a sibling is raised and lowered by ``perturb`` (the report's 20 %), its
    siblings renormalised. Columns ``node,unit,nominal,low,low_weight,low_direction,high,
    high_weight,high_direction`` for the index in ``year`` (default the last computed year).
    ``attrs``: ``year``, ``perturb`` and ``cases`` (a table ``weight,direction,
    total_change_pct,unit``: every weight change and the largest change of the total it made,
    in percent).
    """
    setup = _setup(base_year, to_year, interpolation, method, normalisation, aggregation, rule)
    cols, attrs = _native.sensitivity(
        _framework(framework),
        _observations(observations),
        setup,
        published=_published(published),
        perturb=_fraction(perturb, "perturb"),
        year=_year(year, "year"),
    )
    return _table(cols, attrs, as_frame)


def uncertainty(
    framework: Any,
    observations: Any,
    *,
    samples: int = 1000,
    seed: int = 1,
    perturb: float = 0.2,
    published: Any = None,
    rule: Optional[Mapping[str, str]] = None,
    base_year: Optional[int] = None,
    to_year: Optional[int] = None,
    interpolation: str = "geometric",
    method: str = "chain",
    normalisation: str = "min-max",
    aggregation: str = "arithmetic",
    as_frame: bool = True,
) -> Any:
    """Monte Carlo bands: ``index_engine::uncertainty::monte_carlo``.

    ``samples`` draws in which every weight becomes ``w·(1 + U(−perturb, perturb))``,
    renormalised among siblings. Columns ``node,unit,year,nominal,p5,p50,p95``. Seeded: the
    same ``seed`` gives the same numbers on any number of threads. ``attrs``: ``samples``,
    ``seed``, ``perturb``.
    """
    setup = _setup(base_year, to_year, interpolation, method, normalisation, aggregation, rule)
    cols, attrs = _native.uncertainty(
        _framework(framework),
        _observations(observations),
        setup,
        published=_published(published),
        samples=_count(samples, "samples"),
        seed=_count(seed, "seed"),
        perturb=_fraction(perturb, "perturb"),
    )
    return _table(cols, attrs, as_frame)


def sobol(
    framework: Any,
    observations: Any,
    *,
    samples: int = 1024,
    seed: int = 1,
    perturb: float = 0.2,
    node: Optional[str] = None,
    unit: Optional[str] = None,
    year: Optional[int] = None,
    resamples: int = 100,
    published: Any = None,
    rule: Optional[Mapping[str, str]] = None,
    base_year: Optional[int] = None,
    to_year: Optional[int] = None,
    interpolation: str = "geometric",
    method: str = "chain",
    normalisation: str = "min-max",
    aggregation: str = "arithmetic",
    as_frame: bool = True,
) -> Any:
    """First- and total-order Sobol indices: ``index_engine::sobol::sobol``.

    Of the index of ``node`` (default the root) for ``unit`` (default the first) in ``year``
    (default the last computed year) to every non-root weight, each drawn uniformly in
    ``[1 − perturb, 1 + perturb]`` × its nominal weight (Saltelli design of ``samples`` base
    rows, Jansen estimators, ``resamples`` bootstrap resamples for the 95 % half-widths).
    Columns ``factor,S1,S1_conf,ST,ST_conf`` (SALib's names); NaN where the figure does not
    vary. ``attrs``: ``node``, ``unit``, ``year``, ``samples``, ``seed``, ``perturb``,
    ``resamples``, ``runs``, ``mean``, ``variance``.
    """
    setup = _setup(base_year, to_year, interpolation, method, normalisation, aggregation, rule)
    cols, attrs = _native.sobol_indices(
        _framework(framework),
        _observations(observations),
        setup,
        published=_published(published),
        samples=_count(samples, "samples"),
        seed=_count(seed, "seed"),
        perturb=_fraction(perturb, "perturb"),
        node=None if node is None else str(node),
        unit=None if unit is None else str(unit),
        year=_year(year, "year"),
        resamples=_count(resamples, "resamples"),
    )
    return _table(cols, attrs, as_frame)


# ---------------------------------------------------------------------------------------------
# Shipped and synthetic data


def caict2025_framework(*, as_frame: bool = True) -> Any:
    """The CAICT 2025 framework (4 first-level, 12 second-level, 27 leaves), as ``framework``
    takes it: ``node,parent,level,name_zh,name_en,weight,direction,unit,latest_year``."""
    return _table(_native.caict2025_framework(), None, as_frame)


def caict2025_panel(*, as_frame: bool = True) -> Any:
    """The CAICT 2025 national observations (unit ``CN``): ``leaf,unit,year,value``."""
    return _table(_native.caict2025_panel(), None, as_frame)


def caict2025_published(*, as_frame: bool = True) -> Any:
    """The index values the CAICT 2025 report publishes for its nodes:
    ``node,unit,year,index,kind,quote``."""
    return _table(_native.caict2025_published(), None, as_frame)


def synth_framework(*, as_frame: bool = True) -> Any:
    """The framework of synthetic panels (the CAICT framework without latest years)."""
    return _table(_native.synth_framework(), None, as_frame)


def synth_panel(
    units: int = 1000,
    years: int = 31,
    *,
    first_year: int = 2000,
    seed: int = 1,
    gap_share: float = 0.05,
    as_frame: bool = True,
) -> Any:
    """A synthetic panel of ``synth_framework()``'s leaves (``index_engine::synth``): per leaf
    and unit a positive random walk in logs with ``gap_share`` of the values removed; units
    ``U1``, ``U2``, …; the same ``seed`` gives the same panel on every platform."""
    cols = _native.synth_panel(
        units=_count(units, "units"),
        years=_count(years, "years"),
        first_year=_year(first_year, "first_year"),
        seed=_count(seed, "seed"),
        gap_share=_fraction(gap_share, "gap_share"),
    )
    return _table(cols, None, as_frame)
