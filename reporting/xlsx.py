"""The results workbook (``results.xlsx``), written for people who open it in Excel.

One sheet per table with headers and code labels in the current language
(:mod:`reporting.labels`, French by default), numbers written as numbers with a display
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
        sample = series.dropna()
        if len(sample) and sample.map(lambda v: isinstance(v, (bool, np.bool_))).all():
            return "bool"
        if len(sample) and sample.map(lambda v: isinstance(v, dt.date)).all():
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
    writers = [_cell_writer(ws, k, fmt, yes, no) for k in kinds]
    values = [table[c].to_numpy(dtype=object) for c in table.columns]
    for i in range(n):
        r = i + 1
        for j, w in enumerate(writers):
            w(r, j, values[j][i])
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(n, 1), max(len(columns) - 1, 0))


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
