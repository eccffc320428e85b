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

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

#: First characters that make a spreadsheet read a cell as a formula.
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


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


def _text_columns(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if df[c].dtype == object or pd.api.types.is_string_dtype(
        df[c].dtype) or isinstance(df[c].dtype, pd.CategoricalDtype)]


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


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells (and column names) are neutralised."""
    out = df.copy()
    for col in _text_columns(out):
        values = out[col].astype(object)
        mask = _starts_with(values, (*TRIGGERS, "'"))
        if mask.any():
            out[col] = values.where(~mask, values[mask].map(neutralise))
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


def write_csv(df: pd.DataFrame, path: Path | str) -> None:
    """Write ``df`` as a people-facing CSV: UTF-8, ``,``, ``\\n``, no index, neutralised."""
    neutralise_frame(df).to_csv(path, index=False, lineterminator="\n")
