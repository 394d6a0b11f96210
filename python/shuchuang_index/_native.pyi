"""Type stubs of the extension module (``python/src``): index-engine on plain columns.

The public API is ``shuchuang_index``'s functions, which build these arguments from
DataFrames or dicts of arrays and turn the tables back into them.
"""

from typing import Any, Dict, List, Mapping, Optional, Tuple

# One column: (name, kind, buffer, names); kind "f8" (float64), "i8" (int64) or "cat"
# (uint32 codes into `names`); the buffer holds the native-endian array.
Column = Tuple[str, str, bytearray, Optional[List[str]]]
Table = List[Column]

# framework: node, parent, name_zh, name_en, unit (lists of str; a root's parent is ""),
# weight, direction, level, latest_year (lists of float; NaN where missing).
FrameworkCols = Mapping[str, Any]
# observations: leaf_codes, unit_codes (bytes of int64 codes, -1 missing), leaf_names,
# unit_names (lists of str), year, value (bytes of float64).
ObservationCols = Mapping[str, Any]
# published: node, unit, kind, quote (lists of str), year, index (lists of float).
PublishedCols = Mapping[str, Any]
# base_year, to_year (int or None), interpolation, method, normalisation, aggregation (str),
# rule (dict of node to "auto" | "always" | "never", or None).
Setup = Mapping[str, Any]

def compute(
    framework: FrameworkCols,
    observations: ObservationCols,
    setup: Setup,
    published: Optional[PublishedCols] = None,
    nodes: Optional[List[str]] = None,
    levels: Optional[List[int]] = None,
) -> Tuple[Table, Dict[str, Any]]: ...
def fill(framework: FrameworkCols, observations: ObservationCols, setup: Setup) -> Tuple[Table, Dict[str, Any]]: ...
def sensitivity(
    framework: FrameworkCols,
    observations: ObservationCols,
    setup: Setup,
    published: Optional[PublishedCols] = None,
    perturb: float = 0.2,
    year: Optional[int] = None,
) -> Tuple[Table, Dict[str, Any]]: ...
def uncertainty(
    framework: FrameworkCols,
    observations: ObservationCols,
    setup: Setup,
    published: Optional[PublishedCols] = None,
    samples: int = 1000,
    seed: int = 1,
    perturb: float = 0.2,
) -> Tuple[Table, Dict[str, Any]]: ...
def sobol_indices(
    framework: FrameworkCols,
    observations: ObservationCols,
    setup: Setup,
    published: Optional[PublishedCols] = None,
    samples: int = 1024,
    seed: int = 1,
    perturb: float = 0.2,
    node: Optional[str] = None,
    unit: Optional[str] = None,
    year: Optional[int] = None,
    resamples: int = 100,
) -> Tuple[Table, Dict[str, Any]]: ...
def caict2025_framework() -> Table: ...
def caict2025_panel() -> Table: ...
def caict2025_published() -> Table: ...
def synth_framework() -> Table: ...
def synth_panel(units: int = 1000, years: int = 31, first_year: int = 2000, seed: int = 1, gap_share: float = 0.05) -> Table: ...
