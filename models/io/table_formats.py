"""Table file formats: CSV (as the contract says and as French spreadsheets export it),
Parquet and Excel ``.xlsx``, each read into a DataFrame of strings.

CSV: UTF-8 or, failing that, Windows-1252 / Latin-1; UTF-8 and UTF-16 byte-order marks;
``,``, ``;`` or tab separator, sniffed from the header line; ``;`` files may use decimal
commas (``df.attrs["decimal_comma"]``). The fast path is pyarrow's multi-threaded parser;
files with blank lines, quoted line breaks or ragged rows go through Python's ``csv``
module, which keeps spreadsheet row numbers and reports ragged rows
(``df.attrs["problems"]``, with the kept rows' numbers in ``df.attrs["rows"]``).
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..errors import DataError, Problem
from ..i18n import _, num


def _decode(raw: bytes, file: str) -> tuple[bytes, str]:
    """UTF-8 bytes without BOM, and the encoding found."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16").encode("utf-8"), "utf-16"
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
    try:
        raw.decode("utf-8")
        return raw, "utf-8"
    except UnicodeDecodeError:
        pass
    try:  # French spreadsheets: Windows-1252, a superset of Latin-1's printable range
        return raw.decode("cp1252").encode("utf-8"), "cp1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1").encode("utf-8"), "latin-1"


def _sniff(first_line: str) -> str:
    """The separator giving the most header fields: ``,``, ``;`` or a tab."""
    counts = {sep: len(next(csv.reader([first_line], delimiter=sep), [])) for sep in ",;\t"}
    return max(counts, key=lambda s: (counts[s], s == ","))


#: The longest cell accepted, in characters (the default limit of Python's csv module);
#: a longer one is an input problem naming its row and column.
MAX_CELL = 131_072


def read_csv(path: Path) -> pd.DataFrame:
    file = path.name
    data, _encoding = _decode(path.read_bytes(), file)
    if data[-2:].strip() != data[-2:]:  # copies only when there is trailing blank space
        data = data.rstrip(b"\r\n\t ")
    if not data.strip():
        raise DataError([Problem(file, None, None, _("the file is empty"))])
    if b"\n" not in data and b"\r" in data:  # "CSV (Macintosh)": CR-only line ends
        data = data.replace(b"\r", b"\n")
    end = data.find(b"\n")
    if end < 0:
        raise DataError([Problem(file, None, None, _("has a header but no data rows") if
                                 len(data) <= MAX_CELL else _(
            "is one line of {n} bytes without a line break; expected a header row, then one "
            "row per line").format(n=num(len(data))))])
    first = data[:end].decode("utf-8").rstrip("\r")
    try:
        sep = _sniff(first)
        header = [h.strip() for h in next(csv.reader([first], delimiter=sep))]
    except csv.Error as exc:
        raise DataError([Problem(file, 1, None, _(
            "the header row cannot be read ({error}); expected column names separated by "
            "',' or ';'").format(error=exc))]) from None
    try:
        # blank lines would vanish in pyarrow and shift row numbers (bytes.find is cheap)
        if b"\n\n" in data or b"\n\r\n" in data:
            raise ValueError("blank lines: read row by row to keep spreadsheet row numbers")
        df = _csv_fast(data, sep, header, file)
    except (pa.ArrowInvalid, ValueError):
        df = _csv_slow(data.decode("utf-8"), sep, header, file)
    df.attrs["decimal_comma"] = sep == ";"
    return df


def _csv_fast(data: bytes, sep: str, header: list[str], file: str) -> pd.DataFrame:
    names = [f"c{i}" for i in range(len(header))]
    table = pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
        parse_options=pacsv.ParseOptions(delimiter=sep),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names}, strings_can_be_null=False,
            quoted_strings_can_be_null=False))
    return _arrow_to_strings(table, header, file)


def _csv_slow(text: str, sep: str, header: list[str], file: str) -> pd.DataFrame:
    """Python's csv module: blank lines, quoted line breaks and ragged rows."""
    records: list[list[str]] = []
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    try:
        for record in reader:
            records.append(record)
    except csv.Error as exc:  # the row after the last one read is broken
        row = len(records) + 1  # spreadsheet numbering: header = 1
        what = str(exc)
        if "field larger than field limit" in what:
            what = _("a cell is longer than {n} characters (or a quote is not closed); "
                     "expected short cells").format(n=num(MAX_CELL))
        elif "new-line character" in what:
            what = _("a carriage return (CR) inside a cell that is not quoted; quote the "
                     "cell or remove the line break")
        raise DataError([Problem(file, row, None, _("cannot be read: {what}").format(
            what=what))]) from None
    records = records[1:]
    records = [[] if len(r) == 1 and not r[0].strip() else r for r in records]  # blank lines
    k = len(header)
    ragged = [(i + 2, len(r)) for i, r in enumerate(records) if r and len(r) != k]
    problems = [Problem(file, row, None, _(
        "expected {k} fields as in the header, got {n} (check the separator '{sep}' and the "
        "quotes)").format(k=k, n=n, sep=sep)) for row, n in ragged[:20]]
    if len(ragged) > 20:
        problems.append(Problem(file, None, None, _(
            "and {n} more rows with a wrong number of fields").format(
            n=num(len(ragged) - 20))))
    keep = [i for i, r in enumerate(records) if not r or len(r) == k]
    rows = [[c.strip() for c in records[i]] if records[i] else [""] * k for i in keep]
    df = pd.DataFrame(rows, columns=header, dtype="str")
    df.attrs["rows"] = np.array(keep, dtype=np.int64) + 2
    df.attrs["problems"] = problems
    return df


def _arrow_to_strings(table: pa.Table, header: list[str], file: str = "") -> pd.DataFrame:
    columns = {}
    for name, col in zip(header, table.columns):
        if pa.types.is_list(col.type) or pa.types.is_large_list(col.type):
            col = pc.binary_join(col, ";")
        elif not pa.types.is_string(col.type):
            col = col.cast(pa.string())
        col = pc.utf8_trim_whitespace(pc.fill_null(col, ""))
        _check_length(col, name, file)
        columns[len(columns)] = col.to_pandas()
    df = pd.DataFrame(columns)
    df.columns = header  # may repeat a name: reported by the caller
    return df


def _check_length(col: pa.ChunkedArray, name: str, file: str) -> None:
    """A cell longer than :data:`MAX_CELL` is an input problem (row and column named)."""
    lengths = pc.utf8_length(col)
    longest = pc.max(lengths).as_py()
    if longest is not None and longest > MAX_CELL:
        first = pc.index(pc.greater(lengths, MAX_CELL), True).as_py()
        raise DataError([Problem(file, first + 2, name, _(
            "is {n} characters long; expected at most {max}").format(
            n=num(longest), max=num(MAX_CELL)))])


def read_parquet(path: Path) -> pd.DataFrame:
    import pyarrow.parquet as pq
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise DataError([Problem(path.name, None, None, _(
            "cannot be read as Parquet ({error})").format(error=exc))])
    try:
        df = _arrow_to_strings(table, list(table.column_names), path.name)
    except (pa.ArrowException, TypeError) as exc:
        raise DataError([Problem(path.name, None, None, _(
            "has a column that cannot be read as text ({error})").format(error=exc))])
    df.attrs["decimal_comma"] = False
    return df


def read_xlsx(path: Path) -> pd.DataFrame:
    try:
        df = pd.read_excel(path, sheet_name=0, dtype=str, keep_default_na=False,
                           engine="openpyxl")
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise DataError([Problem(path.name, None, None, _(
            "cannot be read as an Excel workbook ({error})").format(
            error=f"{type(exc).__name__}: {exc}"))])
    df = df.astype("str").apply(lambda c: c.str.strip())
    df.attrs["decimal_comma"] = False
    return df
