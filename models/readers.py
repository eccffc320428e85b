"""Read a territory folder: table files into raw strings, then :func:`load_territory`.

Tables may be CSV, Parquet or Excel (``.xlsx``) with the contract's columns. CSV files are
read as the data contract says (UTF-8, ``,``) and also as French spreadsheets export
them: ``;`` separator with decimal commas, Windows-1252 (or Latin-1) encoding, a UTF-8 or
UTF-16 byte-order mark. Every table comes back as a DataFrame of stripped strings (``""``
for an empty cell) whose index is the row number a spreadsheet shows (header = 1), with
``df.attrs["decimal_comma"]`` telling whether numbers may use a decimal comma.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .errors import DataError, Problem
from .policy_io import read_policy
from .territory import Territory
from .validation import validate_demands, validate_units

#: Table formats accepted, in the order they are looked for.
SUFFIXES = (".csv", ".parquet", ".xlsx")


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a ``.csv``, ``.parquet`` or ``.xlsx`` table as stripped strings.

    Raises
    ------
    DataError
        The file is missing, empty, unreadable, its header is broken, or rows have a
        wrong number of fields.
    """
    df, problems = read_table_lenient(path)
    if problems:
        raise DataError(problems)
    return df


def read_table_lenient(path: str | Path) -> tuple[pd.DataFrame, list[Problem]]:
    """Like :func:`read_table`, but rows with a wrong number of fields are left out and
    returned as problems, so that the other rows can still be checked.

    Raises
    ------
    DataError
        The file as a whole cannot be read.
    """
    path = Path(path)
    file = path.name
    if not path.is_file():
        raise DataError([Problem(file, None, None, "the file is missing")])
    suffix = path.suffix.lower()
    if suffix == ".csv":
        df = _read_csv(path)
    elif suffix == ".parquet":
        df = _read_parquet(path)
    elif suffix == ".xlsx":
        df = _read_xlsx(path)
    else:
        raise DataError([Problem(file, None, None, "has an unsupported format; expected "
                                 ".csv, .parquet or .xlsx")])
    df = _drop_empty_nameless(df, file)
    if "rows" in df.attrs:  # some rows were left out: keep the others' numbers
        df.index = df.attrs.pop("rows")
    else:
        df.index = np.arange(2, len(df) + 2)
    blank = np.logical_and.reduce([(df[c].str.len() == 0).to_numpy() for c in df.columns])
    if blank.any():
        df = df.loc[~blank]
    problems = df.attrs.pop("problems", [])
    if len(df) == 0 and not problems:
        raise DataError([Problem(file, None, None, "has a header but no data rows")])
    return df, problems


def _drop_empty_nameless(df: pd.DataFrame, file: str) -> pd.DataFrame:
    """Drop columns without a name and without data (spreadsheets leave such trailing
    columns); a nameless column holding data, or a repeated name, is a problem."""
    names = [str(c).strip() for c in df.columns]
    nameless = {i for i, c in enumerate(names) if not c or c.startswith("Unnamed: ")}
    filled = {i for i in nameless if (df.iloc[:, i].str.len() > 0).any()}
    problems = [Problem(file, 1, None, f"column {i + 1} of the header has no name, but "
                        "cells below it are filled") for i in sorted(filled)]
    seen: set[str] = set()
    for i, c in enumerate(names):
        if i not in nameless and c in seen:
            problems.append(Problem(file, 1, c, "appears twice in the header"))
        seen.add(c)
    if problems:
        raise DataError(problems)
    keep = [i for i in range(len(names)) if i not in nameless]
    attrs = dict(df.attrs)
    df = df.iloc[:, keep]
    df.columns = [names[i] for i in keep]
    df.attrs.update(attrs)
    return df


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


def _read_csv(path: Path) -> pd.DataFrame:
    file = path.name
    data, _ = _decode(path.read_bytes(), file)
    if data[-2:].strip() != data[-2:]:  # copies only when there is trailing blank space
        data = data.rstrip(b"\r\n\t ")
    if not data.strip():
        raise DataError([Problem(file, None, None, "the file is empty")])
    end = data.find(b"\n")
    first = (data if end < 0 else data[:end]).decode("utf-8").rstrip("\r")
    sep = _sniff(first)
    header = [h.strip() for h in next(csv.reader([first], delimiter=sep))]
    if end < 0:
        raise DataError([Problem(file, None, None, "has a header but no data rows")])
    try:
        # blank lines would vanish in pyarrow and shift row numbers (bytes.find is cheap)
        if b"\n\n" in data or b"\n\r\n" in data:
            raise ValueError("blank lines: read row by row to keep spreadsheet row numbers")
        df = _csv_fast(data, sep, header)
    except (pa.ArrowInvalid, ValueError):
        df = _csv_slow(data.decode("utf-8"), sep, header, file)
    df.attrs["decimal_comma"] = sep == ";"
    return df


def _csv_fast(data: bytes, sep: str, header: list[str]) -> pd.DataFrame:
    names = [f"c{i}" for i in range(len(header))]
    table = pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
        parse_options=pacsv.ParseOptions(delimiter=sep),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names}, strings_can_be_null=False,
            quoted_strings_can_be_null=False))
    return _arrow_to_strings(table, header, trim=_needs_trim(data, sep))


def _csv_slow(text: str, sep: str, header: list[str], file: str) -> pd.DataFrame:
    """Python's csv module: blank lines, quoted line breaks and ragged rows."""
    records = list(csv.reader(io.StringIO(text), delimiter=sep))[1:]
    records = [[] if len(r) == 1 and not r[0].strip() else r for r in records]  # blank lines
    k = len(header)
    ragged = [(i + 2, len(r)) for i, r in enumerate(records) if r and len(r) != k]
    problems = [Problem(file, row, None, f"expected {k} fields as in the header, got {n} "
                        f"(check the separator '{sep}' and the quotes)")
                for row, n in ragged[:20]]
    if len(ragged) > 20:
        problems.append(Problem(file, None, None, f"and {len(ragged) - 20:,} more rows "
                                "with a wrong number of fields"))
    keep = [i for i, r in enumerate(records) if not r or len(r) == k]
    rows = [[c.strip() for c in records[i]] if records[i] else [""] * k for i in keep]
    df = pd.DataFrame(rows, columns=header, dtype="str")
    df.attrs["rows"] = np.array(keep, dtype=np.int64) + 2
    df.attrs["problems"] = problems
    return df


def _needs_trim(data: bytes, sep: str) -> bool:
    """Whether some cell may start or end with white space (cheap byte searches).

    A cell's first or last character is next to a separator, a line end or a quote, so
    without a space, tab, or no-break space in such a place no cell needs trimming.
    """
    s = sep.encode()
    patterns = [b" " + s, s + b" ", b" \n", b"\n ", b" \r", b'" ', b' "', b"\xc2\xa0",
                b"\xe2\x80", b"\v", b"\f"]
    if sep != "\t":
        patterns.append(b"\t")
    return data[:1].isspace() or data[-1:].isspace() or any(p in data for p in patterns)


def _arrow_to_strings(table: pa.Table, header: list[str], trim: bool = True) -> pd.DataFrame:
    columns = {}
    for name, col in zip(header, table.columns):
        if pa.types.is_list(col.type) or pa.types.is_large_list(col.type):
            col = pc.binary_join(col, ";")
        elif not pa.types.is_string(col.type):
            col = col.cast(pa.string())
        col = pc.fill_null(col, "")
        if trim:
            col = pc.utf8_trim_whitespace(col)
        columns[len(columns)] = col.to_pandas()
    df = pd.DataFrame(columns)
    df.columns = header  # may repeat a name: reported by the caller
    return df


def _read_parquet(path: Path) -> pd.DataFrame:
    import pyarrow.parquet as pq
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise DataError([Problem(path.name, None, None, f"cannot be read as Parquet ({exc})")])
    try:
        df = _arrow_to_strings(table, list(table.column_names))
    except (pa.ArrowException, TypeError) as exc:
        raise DataError([Problem(path.name, None, None, "has a column that cannot be read "
                                 f"as text ({exc})")])
    df.attrs["decimal_comma"] = False
    return df


def _read_xlsx(path: Path) -> pd.DataFrame:
    try:
        df = pd.read_excel(path, sheet_name=0, dtype=str, keep_default_na=False,
                           engine="openpyxl")
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise DataError([Problem(path.name, None, None, "cannot be read as an Excel "
                                 f"workbook ({type(exc).__name__}: {exc})")])
    df = df.astype("str").apply(lambda c: c.str.strip())
    df.attrs["decimal_comma"] = False
    return df


def find_table(folder: Path, stem: str) -> Path:
    """The one ``<stem>.csv|.parquet|.xlsx`` of a folder; :class:`DataError` otherwise."""
    found = [folder / f"{stem}{s}" for s in SUFFIXES if (folder / f"{stem}{s}").is_file()]
    if len(found) == 1:
        return found[0]
    if found:
        names = " and ".join(p.name for p in found)
        raise DataError([Problem(found[0].name, None, None, f"is ambiguous: the folder holds "
                                 f"{names}; keep only one")])
    old = folder / f"{stem}.xls"
    hint = (f"; {old.name} is in the old Excel format, save it as .xlsx or CSV"
            if old.is_file() else "")
    raise DataError([Problem(f"{stem}.csv", None, None, f"the file is missing: expected "
                             f"{stem}.csv, {stem}.parquet or {stem}.xlsx in {folder}{hint}")])


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load_territory(path: str | Path) -> Territory:
    """Read and validate a territory folder (demands, units, ``policy.toml``).

    Parameters
    ----------
    path
        Folder holding ``demands``, ``units`` (``.csv``, ``.parquet`` or ``.xlsx``, one of
        each) and ``policy.toml``.

    Returns
    -------
    Territory
        Immutable validated data, with the SHA-256 of each input file.

    Raises
    ------
    DataError
        With every problem found in the three files.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise DataError([Problem(str(folder), None, None, "is not a folder; expected a "
                                 "territory folder with demands, units and policy.toml")])
    read = read_policy(folder / "policy.toml")
    problems = list(read.problems)
    tables, files = {}, {"policy.toml": folder / "policy.toml"}
    for stem in ("demands", "units"):
        try:
            file = find_table(folder, stem)
            df, found = read_table_lenient(file)
            tables[stem] = (file.name, df)
            files[file.name] = file
            problems.extend(found)
        except DataError as exc:
            problems.extend(exc.problems)
    demands = units = None
    if "demands" in tables:
        demands, found = validate_demands(tables["demands"][1], read, tables["demands"][0])
        problems.extend(found)
    if "units" in tables:
        units, found = validate_units(tables["units"][1], read, tables["units"][0])
        problems.extend(found)
    if problems or demands is None or units is None or read.policy is None:
        order = {"policy.toml": 0, **{name: i for i, (name, _) in
                                      enumerate(tables.values(), 1)}}
        raise DataError(sorted(problems, key=lambda p: order.get(p.file, 0)))
    hashes = {name: sha256(p) for name, p in files.items()}
    return Territory(read.policy, demands, units, source=folder, file_hashes=hashes)
