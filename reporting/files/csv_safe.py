"""CSV files for people, safe to open in a spreadsheet (OWASP "CSV injection").

A spreadsheet opening a CSV treats a cell beginning with ``=``, ``+``, ``-`` or ``@`` (and,
in some programs, a tab or a carriage return) as a formula: a commune or landlord name
such as ``=HYPERLINK("http://x","y")`` copied from the input would become a live link or
worse in a commission's copy of ``shortlists.csv``. Every text cell beginning with one of
these characters is written with a leading apostrophe (``'=HYPERLINK(...)``), which
spreadsheets show as text; numbers (``-3``, ``-0.25``) are left alone. To keep the rule
reversible, a text beginning with an apostrophe followed by one of these characters (or by
another apostrophe) gets one too; :func:`restore` undoes it (``attribution explain``
reads the files back with it).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

#: First characters that make a spreadsheet read a cell as a formula.
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_NUMBER_RE = "^" + _NUMBER.pattern + "$"
_TRIGGER_SET = pa.array(list(TRIGGERS))
_AFTER_QUOTE = pa.array([*TRIGGERS, "'"])


def neutralise(value: object) -> object:
    """``value`` as a CSV cell that no spreadsheet reads as a formula."""
    if not isinstance(value, str) or not value:
        return value
    first = value[0]
    if first in TRIGGERS:
        return value if _NUMBER.fullmatch(value) else "'" + value
    if first == "'" and len(value) > 1 and (value[1] in TRIGGERS or value[1] == "'"):
        return "'" + value
    return value


def restore(value: object) -> object:
    """Undo :func:`neutralise` on a cell read back from a file."""
    if (isinstance(value, str) and len(value) > 1 and value[0] == "'"
            and (value[1] in TRIGGERS or value[1] == "'")):
        return value[1:]
    return value


def _text_positions(df: pd.DataFrame) -> set[int]:
    return {i for i, dtype in enumerate(df.dtypes) if dtype == object
            or pd.api.types.is_string_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype)}


def _starts_with(values: pd.Series, firsts: tuple[str, ...]) -> pd.Series:
    """Boolean mask of the string cells whose first character is one of ``firsts``
    (vectorised with pyarrow; a column that is not all text falls back to Python)."""
    try:
        arr = pa.array(values.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return values.map(lambda v: isinstance(v, str) and v[:1] in firsts).astype(bool)
    first = pc.utf8_slice_codeunits(arr, 0, 1)
    mask = pc.fill_null(pc.is_in(first, value_set=pa.array(list(firsts))), False)
    return pd.Series(mask.to_numpy(zero_copy_only=False), index=values.index)


def _neutralise_column(values: pd.Series) -> pd.Series | None:
    """``values`` with :func:`neutralise` applied to every cell, or ``None`` when no cell
    needs it (vectorised with pyarrow; a column not all text goes through Python)."""
    try:
        arr = pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        mask = values.map(lambda v: isinstance(v, str) and v[:1] in (*TRIGGERS, "'"))
        if not mask.any():
            return None
        values = values.astype(object)
        return values.where(~mask, values[mask].map(neutralise))
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    first = pc.utf8_slice_codeunits(arr, 0, 1)
    need = pc.fill_null(pc.is_in(first, value_set=_TRIGGER_SET), False).to_numpy(
        zero_copy_only=False)
    candidates = np.flatnonzero(need)
    if len(candidates):  # numbers (-3, +1e5) stay as they are; the regex on these only
        numbers = pc.match_substring_regex(arr.take(pa.array(candidates)), _NUMBER_RE)
        need[candidates[numbers.to_numpy(zero_copy_only=False)]] = False
    quotes = np.flatnonzero(pc.fill_null(pc.equal(first, "'"), False).to_numpy(
        zero_copy_only=False))
    if len(quotes):  # '=x → ''=x, so that restore() is exact
        second = pc.utf8_slice_codeunits(arr.take(pa.array(quotes)), 1, 2)
        need[quotes[pc.fill_null(pc.is_in(second, value_set=_AFTER_QUOTE), False)
                    .to_numpy(zero_copy_only=False)]] = True
    if not need.any():
        return None
    mask = pa.array(need)
    fixed = pc.replace_with_mask(arr, mask, pc.binary_join_element_wise(
        "'", arr.filter(mask), ""))
    return pd.Series(fixed.to_pandas(), index=values.index)


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells (and column names) are neutralised."""
    out = df.copy(deep=False)
    for i in sorted(_text_positions(out)):
        fixed = _neutralise_column(out.iloc[:, i])
        if fixed is not None:
            out.isetitem(i, fixed)
    out.columns = [neutralise(str(c)) if isinstance(c, str) else c for c in out.columns]
    return out


def restore_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Undo :func:`neutralise_frame` on a table read with ``dtype=str``."""
    out = df.copy()
    for col in out.columns:
        values = out[col]
        mask = _starts_with(values, ("'",))
        if mask.any():
            out[col] = values.where(~mask, values[mask].map(restore))
    out.columns = [restore(c) for c in out.columns]
    return out


#: ``--csv-dialect``: the contract's CSV, or French Excel's.
CSV_DIALECTS = ("standard", "excel-fr")


def write_csv(df: pd.DataFrame, path: Path | str, dialect: str = "standard") -> None:
    """Write ``df`` as a people-facing CSV, neutralised: the contract's (UTF-8, ``,``,
    ``\\n``, no index), or French Excel's (``excel-fr``: UTF-8 with a byte-order mark,
    ``;`` separator, decimal comma; same columns and codes)."""
    safe = neutralise_frame(df)
    if dialect == "excel-fr":
        safe.to_csv(path, index=False, sep=";", decimal=",", encoding="utf-8-sig",
                    lineterminator="\r\n")
    elif dialect == "standard":
        safe.to_csv(path, index=False, lineterminator="\n")
    else:
        raise ValueError(f"The CSV dialect must be one of {CSV_DIALECTS}; got {dialect!r} "
                         "instead.")
