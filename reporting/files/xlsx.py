"""The results workbook (``results.xlsx``), written for people who open it in Excel.

One sheet per table with headers and code labels in the current language
(:mod:`reporting.text.labels`, French by default), numbers written as numbers with a display
format (``#,##0``; ``0.0%`` for shares — Excel shows ``60,2 %`` in French), booleans as
Oui/Non, dates with a ``dd/mm/yyyy`` format, an autofilter on every table and the header
row frozen. Every text cell is written with ``write_string`` and the workbook is opened
with ``strings_to_formulas=False``: a demand id such as ``=HYPERLINK(...)`` stays text.

Written with XlsxWriter in ``constant_memory`` mode (rows streamed to disk, one at a time),
several times faster than the openpyxl writer it replaces (benchmarks/RESULTS.md). The
workbook's creation date is fixed and XlsxWriter stamps zip entries with a fixed date, so
two runs on the same inputs give identical bytes (the run's time is in ``manifest.json``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from attribution.models.i18n import _

#: Fixed creation date written in the workbook's properties.
FIXED_DATE = dt.datetime(2000, 1, 1, 0, 0, 0)
#: Excel limits a sheet name to 31 characters.
MAX_SHEET_NAME = 31
#: Excel's last row (header included).
MAX_ROWS = 1_048_576
_PCT_NAMES = ("share", "target", "rent_burden", "max_rent_burden", "income_to_ceiling")
_PCT_SUFFIXES = ("_share", "_rate")


def is_share(column: str) -> bool:
    """Columns holding a share in [0, 1], shown as a percentage."""
    return column in _PCT_NAMES or column.endswith(_PCT_SUFFIXES)


def _kind(column: str, series: pd.Series) -> str:
    kind = series.dtype.kind
    if kind == "b":
        return "bool"
    if kind in "iu":
        return "int"
    if kind == "f":
        if is_share(column):
            return "pct"
        finite = series.dropna()
        return "int" if len(finite) and (finite == finite.round()).all() else "float"
    if kind == "M":
        return "date"
    if kind == "O":  # object: booleans or dates hidden in objects, else text
        sample = series.dropna().tolist()
        if sample and all(isinstance(v, (bool, np.bool_)) for v in sample):
            return "bool"
        if sample and all(isinstance(v, dt.date) for v in sample):
            return "date"
    return "text"


def write_xlsx(path: Path | str, tables: Mapping[str, pd.DataFrame], *,
               headers: Callable[[str], str] | None = None,
               widths: Mapping[str, Mapping[str, float]] | None = None) -> None:
    """Write each table to its own sheet.

    Parameters
    ----------
    path
        The ``.xlsx`` file to write.
    tables
        Sheet name → table (written without its index; names cut to 31 characters, made
        unique). Column types decide cell types and formats (see the module docstring).
    headers
        Column name → header shown (default: the name itself).
    widths
        Optional sheet → column → width overrides.
    """
    import xlsxwriter

    headers = headers or (lambda c: c)
    yes, no = _("Yes"), _("No")
    wb = xlsxwriter.Workbook(str(path), {
        "constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
        "strings_to_urls": False, "nan_inf_to_errors": False})
    wb.set_properties({"created": FIXED_DATE})
    fmt = {"header": wb.add_format({"bold": True, "text_wrap": True, "valign": "top",
                                    "bg_color": "#DCE6F1", "border": 1}),
           "int": wb.add_format({"num_format": "#,##0"}),
           "float": wb.add_format({"num_format": "#,##0.00"}),
           "pct": wb.add_format({"num_format": "0.0%"}),
           "date": wb.add_format({"num_format": "dd/mm/yyyy"}),
           "text": wb.add_format({"text_wrap": False})}
    used: set[str] = set()
    for name, table in tables.items():
        sheet_name = _unique(name[:MAX_SHEET_NAME], used)
        ws = wb.add_worksheet(sheet_name)
        _write_table(ws, table, fmt, headers, yes, no, (widths or {}).get(name, {}))
    wb.close()


def _unique(name: str, used: set[str]) -> str:
    for ch in "[]:*?/\\":
        name = name.replace(ch, " ")
    base, k = name, 2
    while name.lower() in used:
        suffix = f" ({k})"
        name, k = base[:MAX_SHEET_NAME - len(suffix)] + suffix, k + 1
    used.add(name.lower())
    return name


def _write_table(ws, table: pd.DataFrame, fmt, headers, yes: str, no: str,
                 widths: Mapping[str, float]) -> None:
    columns = [str(c) for c in table.columns]
    kinds = [_kind(c, table[c]) for c in table.columns]
    n = min(len(table), MAX_ROWS - 1)
    shown = [headers(c) for c in columns]
    # column widths first (constant_memory writes rows as they come)
    for j, (c, k) in enumerate(zip(columns, kinds)):
        if c in widths:
            width = widths[c]
        elif k == "text":
            lengths = table[c].iloc[:200].map(lambda v: len(str(v)) if v is not None else 0)
            width = min(max(int(lengths.max()) if len(lengths) else 8, len(shown[j]) * .8,
                            8) + 2, 60)
        else:
            width = max(10, min(len(shown[j]) * .8 + 2, 24))
        ws.set_column(j, j, width, fmt["text"] if k == "text" else None)
    ws.set_row(0, 30)
    for j, h in enumerate(shown):
        ws.write_string(0, j, h, fmt["header"])
    values = [table[c].to_numpy(dtype=object) for c in table.columns]
    if not _stream_rows(ws, values, kinds, fmt, yes, no, n,
                        [_present(table.iloc[:n, j]) for j in range(len(columns))]):
        writers = [_cell_writer(ws, k, fmt, yes, no) for k in kinds]
        for i in range(n):
            r = i + 1
            for j, w in enumerate(writers):
                w(r, j, values[j][i])
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(n, 1), max(len(columns) - 1, 0))


def _stream_rows(ws, values: list[np.ndarray], kinds: list[str], fmt, yes: str, no: str,
                 n: int, present: list[list[bool] | None] | None = None) -> bool:
    """Rows 1..n written as XML text straight into the sheet's row stream, column by
    column, instead of one ``write_*`` call per cell (about 4× faster on the bundled round).

    The text is the very text XlsxWriter's ``constant_memory`` mode writes for the same
    ``write_number`` / ``write_string`` / ``write_datetime`` calls of :func:`_cell_writer`
    (same cell references, style indices assigned in the same order, XlsxWriter's own
    escaping), so the file is byte-identical. Returns ``False`` — the caller then writes
    cell by cell — whenever a case is outside what this mirrors: not constant_memory mode,
    a non-default row, a number that is not finite, a string XlsxWriter would truncate.
    ``present`` (per column, from :func:`_present`) says which values are not missing.
    """
    from xlsxwriter import utility as xlu

    if not (getattr(ws, "constant_memory", False) and getattr(ws, "previous_row", None) == 0
            and getattr(ws, "excel_version", None) == 2007
            and ws.default_row_height == ws.original_row_height
            and not any(r > 0 for r in ws.row_info) and not ws.comments
            and hasattr(ws, "_escape_control_characters") and hasattr(ws, "_escape_data")
            and hasattr(xlu, "_preserve_whitespace") and n > 0):
        return False
    cells: list[list[str | None]] = []
    shape: list[tuple[str, str, object]] = []    # per column: letters, cell kind, format
    used: list[tuple[int, int, object]] = []     # (first row, column, format) for style ids
    for j, (kind, col) in enumerate(zip(kinds, values)):
        got = _column_cells(ws, xlu, kind, col[:n], fmt, yes, no,
                            present[j] if present is not None else None)
        if got is None:
            return False
        out, how, fmt_obj = got
        first = next((i for i, v in enumerate(out) if v is not None), None)
        if first is not None and fmt_obj is not None:
            used.append((first, j, fmt_obj))
        cells.append(out)
        shape.append((xlu.xl_col_to_name(j), how, fmt_obj))
    # Style indices are assigned on first use, in row then column order, as XlsxWriter does.
    ws._write_single_row(1)                       # the header row (row 0)
    for _row, _col, f in sorted(used, key=lambda t: (t[0], t[1])):
        f._get_xf_index()
    rows = range(2, n + 2)
    columns = []                                  # per column, each row's cell XML ("")
    for (name, how, f), col in zip(shape, cells):
        s = f' s="{f._get_xf_index()}"' if f is not None else ""
        head = f'<c r="{name}'
        if how == "num":
            tail_open, tail_close = f'"{s}><v>', "</v></c>"
        else:
            tail_open, tail_close = f'"{s} t="inlineStr">', "</c>"
        columns.append([f"{head}{r}{tail_open}{v}{tail_close}" if v is not None else ""
                        for r, v in zip(rows, col)])
    last = 0
    chunk: list[str] = []
    for row, parts in zip(rows, zip(*columns)):
        body = "".join(parts)
        if body:
            chunk.append(f'<row r="{row}">{body}</row>')
            last = row - 1
    ws.fh.write("".join(chunk))
    if last:
        ws.dim_rowmax = max(ws.dim_rowmax or 0, last)
        ws.dim_colmin = 0 if ws.dim_colmin is None else ws.dim_colmin
        ws.dim_colmax = max(ws.dim_colmax if ws.dim_colmax is not None else -1,
                            max(j for j, col in enumerate(cells)
                                if any(v is not None for v in col)))
    ws.previous_row = n + 1                       # nothing left to flush at close
    return True


#: Text XlsxWriter writes as is: no control character, no ``_xHHHH_``-like escape, no XML
#: special character, no leading or trailing white space (checked apart).
_PLAIN = re.compile(r"[\x00-\x1f&<>\"]|_x")


#: Integers below this in magnitude are exact as floats (2**53 < 10**16).
_EXACT = 2 ** 53


def _kept(col: list) -> list[bool]:
    """Per value, whether a cell is written (not :func:`_missing`)."""
    return [not _missing(v) for v in col]


def _present(series: pd.Series) -> list[bool] | None:
    """Per value of ``series``, whether it is not :func:`_missing`, read from its dtype
    when that decides it (NumPy integers and booleans: always; NumPy floats: not NaN);
    ``None`` = ask each value."""
    kind = series.dtype.kind if isinstance(series.dtype, np.dtype) else ""
    if kind in "iub" and kind:
        return [True] * len(series)
    if kind == "f":
        return (~np.isnan(series.to_numpy())).tolist()
    return None


def _column_cells(ws, xlu, kind: str, col: np.ndarray, fmt, yes: str, no: str,
                  keep: list[bool] | None = None):
    """One column's cell contents (``None`` = no cell), its cell kind (``num``/``str``)
    and its style, as :func:`_cell_writer` would write them; ``None`` when a value is
    outside what :func:`_stream_rows` mirrors. ``keep``: which values are not missing
    (found here when ``None``)."""
    values = col.tolist()        # Python objects, as the cell-by-cell writer sees them
    if keep is None:
        keep = _kept(values)
    if kind in ("int", "float", "pct", "date"):
        if kind == "date":
            nums = [ws._convert_date_time(pd.Timestamp(v).to_pydatetime()) if k else 0.0
                    for v, k in zip(values, keep)]
        elif all(type(v) is int and -_EXACT < v < _EXACT for v, k in zip(values, keep) if k):
            # whole numbers a float holds exactly, below 10**16: "%.16G" is the integer
            return [str(v) if k else None for v, k in zip(values, keep)], "num", fmt[kind]
        else:
            nums = [float(v) if k else 0.0 for v, k in zip(values, keep)]
        if not all(map(math.isfinite, nums)):
            return None          # write_number refuses it: the cell-by-cell path says so
        return ([f"{x:.16G}" if k else None for x, k in zip(nums, keep)], "num", fmt[kind])
    if kind == "bool":
        texts = [(yes if bool(v) else no) if k else "" for v, k in zip(values, keep)]
        style = None             # set_column without a format: no style attribute
    else:
        texts = [str(v) if k else "" for v, k in zip(values, keep)]
        style = fmt["text"]
    limit = ws.xls_strmax // 2
    done: dict[str, str | None] = {"": None}   # a text repeats: escape it once
    out: list[str | None] = []
    for t in texts:
        x = done.get(t, done)
        if x is done:
            if len(t) > limit:
                return None      # XlsxWriter may truncate it
            x = done[t] = _inline(ws, xlu, t)
        out.append(x)
    return out, "str", style


def _inline(ws, xlu, string: str) -> str:
    """The ``<is>`` part of an inline-string cell, as XlsxWriter writes it."""
    if not _PLAIN.search(string) and not string[0].isspace() and not string[-1].isspace():
        return f"<is><t>{string}</t></is>"
    string = ws._escape_control_characters(string)
    if string.startswith("<r>") and string.endswith("</r>"):
        return f"<is>{string}</is>"
    preserve = ' xml:space="preserve"' if xlu._preserve_whitespace(string) else ""
    return f"<is><t{preserve}>{ws._escape_data(string)}</t></is>"


def _missing(v) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v))


def _cell_writer(ws, kind: str, fmt, yes: str, no: str):
    if kind in ("int", "float", "pct"):
        f = fmt[kind]

        def number(r, j, v):
            if not _missing(v):
                ws.write_number(r, j, float(v), f)
        return number
    if kind == "bool":
        def boolean(r, j, v):
            if not _missing(v):
                ws.write_string(r, j, yes if bool(v) else no)
        return boolean
    if kind == "date":
        f = fmt["date"]

        def date(r, j, v):
            if not _missing(v):
                ws.write_datetime(r, j, pd.Timestamp(v).to_pydatetime(), f)
        return date

    def text(r, j, v):
        if not _missing(v):
            s = str(v)
            if s:
                ws.write_string(r, j, s)
    return text
