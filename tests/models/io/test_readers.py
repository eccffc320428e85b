"""Tests of models.io.readers: table formats, encodings, separators, folder layout, hashes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from builders import TINY_DEMANDS, TINY_UNITS, write_tiny_territory
from attribution.models.errors import DataError
from attribution.models.io.readers import find_table, load_territory, read_table

#: these tests check the English source text of the messages (--lang en)
pytestmark = pytest.mark.usefixtures("english_messages")


def _problems(exc: pytest.ExceptionInfo) -> list[str]:
    return [str(p) for p in exc.value.problems]


def _french(text: str) -> str:
    """The tiny CSV as a French spreadsheet writes it: ';' separator, decimal commas."""
    lines = [line.split(",") for line in text.splitlines()]
    header = lines[0]
    money = [header.index(c) for c in ("annual_income", "monthly_income", "housing_allowance",
                                       "surface_m2", "rent") if c in header]
    out = []
    for i, cells in enumerate(lines):
        if i:
            for j in money:
                cells[j] = cells[j].replace(".", ",")
        out.append(";".join(f'"{c}"' if ";" in c else c for c in cells))
    return "\r\n".join(out) + "\r\n"


# --- CSV -----------------------------------------------------------------------------

def test_csv_cells_are_stripped_strings_indexed_by_spreadsheet_row(tmp_path):
    """Cells come back as stripped strings, empty as '', index 2.. (header is row 1)."""
    path = tmp_path / "t.csv"
    path.write_text("a,b\n 1 ,x\n,y\n", encoding="utf-8")
    df = read_table(path)
    assert list(df.columns) == ["a", "b"]
    assert df["a"].tolist() == ["1", ""]
    assert df.index.tolist() == [2, 3]
    assert df.attrs["decimal_comma"] is False


def test_blank_lines_are_dropped_but_keep_row_numbers(tmp_path):
    """A blank line in the middle is dropped and the rows after it keep their number."""
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,x\n\n3,z\n  \n5,w\n\n", encoding="utf-8")
    df = read_table(path)
    assert df.index.tolist() == [2, 4, 6]
    assert df["a"].tolist() == ["1", "3", "5"]


def test_quoted_line_break_keeps_one_row_per_record(tmp_path):
    """A quoted cell holding a line break is one cell; rows are records, as spreadsheets show."""
    path = tmp_path / "t.csv"
    path.write_text('a,b\n1,"two\nlines"\n3,z\n', encoding="utf-8")
    df = read_table(path)
    assert df["b"].tolist() == ["two\nlines", "z"]
    assert df.index.tolist() == [2, 3]


def test_ragged_row_is_reported_with_its_row(tmp_path):
    """A row with more fields than the header is a problem naming its row."""
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,x\n2,y,extra\n", encoding="utf-8")
    with pytest.raises(DataError) as exc:
        read_table(path)
    assert _problems(exc) == ["t.csv, row 3: expected 2 fields as in the header, got 3 "
                              "(check the separator ',' and the quotes)"]


def test_ragged_row_is_left_out_and_the_other_rows_are_still_checked(tiny_territory):
    """load_territory reports the ragged row and the other rows' problems together."""
    units = (tiny_territory / "units.csv").read_text(encoding="utf-8")
    units = units.replace("U02,", "U02,extra,").replace("U04,Habitat 44", "U04,Habitat 45")
    (tiny_territory / "units.csv").write_text(units, encoding="utf-8")
    with pytest.raises(DataError) as exc:
        load_territory(tiny_territory)
    messages = _problems(exc)
    assert messages[0].startswith("units.csv, row 3: expected 13 fields as in the header, got 14")
    assert messages[1].startswith("units.csv, row 5, column 'landlord': expected one of Silène")
    assert len(messages) == 2


def test_semicolon_cp1252_decimal_comma_territory_loads_like_the_utf8_one(tmp_path):
    """A French export (';', Windows-1252, CRLF, decimal commas) gives the same data."""
    reference = load_territory(write_tiny_territory(tmp_path / "ref"))
    folder = write_tiny_territory(tmp_path / "fr")
    (folder / "demands.csv").write_bytes(_french(TINY_DEMANDS).encode("cp1252"))
    (folder / "units.csv").write_bytes(_french(TINY_UNITS).encode("cp1252"))
    assert "Silène".encode("cp1252") in (folder / "units.csv").read_bytes()
    territory = load_territory(folder)
    assert np.array_equal(territory.units.landlord, reference.units.landlord)
    np.testing.assert_array_equal(territory.units.surface_m2, reference.units.surface_m2)
    np.testing.assert_array_equal(territory.demands.wished_communes,
                                  reference.demands.wished_communes)
    np.testing.assert_array_equal(territory.demands.monthly_income,
                                  reference.demands.monthly_income)


def test_decimal_comma_with_thousands_space_in_french_csv(tmp_path):
    """'1 234,5' (space or no-break space as thousands separator) reads as 1234.5."""
    folder = write_tiny_territory(tmp_path / "fr")
    text = _french(TINY_DEMANDS).replace(";15000;1200;", ";15\u00a0000,5;1 200;")
    (folder / "demands.csv").write_bytes(text.encode("cp1252"))
    demands = load_territory(folder).demands
    assert demands.annual_income[0] == 15000.5
    assert demands.monthly_income[0] == 1200.0


def test_utf8_bom_is_ignored(tmp_path):
    """A UTF-8 byte-order mark does not end up in the first column's name."""
    path = tmp_path / "t.csv"
    path.write_bytes(b"\xef\xbb\xbfa,b\n1,\xc3\xa9\n")
    df = read_table(path)
    assert list(df.columns) == ["a", "b"]
    assert df["b"].tolist() == ["é"]


def test_utf16_tab_separated_export_is_read(tmp_path):
    """Excel's "Unicode text" (UTF-16 with BOM, tab-separated) is read too."""
    path = tmp_path / "t.csv"
    path.write_bytes("a\tb\r\n1\tSilène\r\n".encode("utf-16"))
    df = read_table(path)
    assert df["b"].tolist() == ["Silène"]


def test_latin1_bytes_undefined_in_cp1252_fall_back_to_latin1(tmp_path):
    """Bytes Windows-1252 leaves undefined (0x81) still decode (as Latin-1)."""
    path = tmp_path / "t.csv"
    path.write_bytes(b"a;b\n1;x\x81\xe9\n")
    assert read_table(path)["b"].tolist() == ["x\x81é"]


@pytest.mark.parametrize("content, message", [
    (b"", "the file is empty"),
    (b"\n\n  \n", "the file is empty"),
    (b"a,b\n", "has a header but no data rows"),
    (b"a,b\n,\n", "has a header but no data rows"),
])
def test_empty_files_are_problems(tmp_path, content, message):
    """Empty files and header-only files are clear problems."""
    path = tmp_path / "units.csv"
    path.write_bytes(content)
    with pytest.raises(DataError) as exc:
        read_table(path)
    assert _problems(exc) == [f"units.csv: {message}"]


def test_header_with_duplicate_and_unnamed_columns(tmp_path):
    """A repeated column name and a nameless column holding data are header problems."""
    path = tmp_path / "t.csv"
    path.write_text("a,,a\n1,2,3\n", encoding="utf-8")
    with pytest.raises(DataError) as exc:
        read_table(path)
    assert _problems(exc) == ["t.csv, row 1: column 2 of the header has no name, but cells "
                              "below it are filled",
                              "t.csv, row 1, column 'a': appears twice in the header"]


def test_empty_nameless_columns_are_dropped(tmp_path):
    """Trailing separators (';;' in French exports) and empty Excel columns are ignored."""
    path = tmp_path / "t.csv"
    path.write_text("a;b;;\n1;x;;\n2;y;;\n", encoding="utf-8")
    df = read_table(path)
    assert list(df.columns) == ["a", "b"] and df["b"].tolist() == ["x", "y"]
    assert df.attrs["decimal_comma"] is True


# --- Parquet and Excel ---------------------------------------------------------------

def _typed(text: str) -> pd.DataFrame:
    """The tiny CSV as a typed frame (ints, floats, bools, dates), as tools write it."""
    from io import StringIO
    df = pd.read_csv(StringIO(text), keep_default_na=False, dtype=str)
    for c in df.columns:
        if set(df[c]) <= {"true", "false"}:
            df[c] = df[c] == "true"
        elif c in ("registered_on", "available_on"):
            df[c] = pd.to_datetime(df[c])
        elif c in ("annual_income", "monthly_income", "surface_m2", "rent"):
            df[c] = df[c].astype(float)
        elif c in ("household_size", "adults", "children_under_14", "rooms", "refusals"):
            df[c] = df[c].astype(int)
    return df


def _assert_same(a, b) -> None:
    for obj_a, obj_b in ((a.demands, b.demands), (a.units, b.units)):
        for name, value in vars(obj_a).items():
            if isinstance(value, dict):
                assert value.keys() == getattr(obj_b, name).keys()
                for k in value:
                    np.testing.assert_array_equal(value[k], getattr(obj_b, name)[k])
            else:
                np.testing.assert_array_equal(value, getattr(obj_b, name), err_msg=name)


def test_parquet_round_trip_with_typed_and_list_columns(tmp_path):
    """Typed Parquet columns (bool, int, float, date, list of strings) read as the CSV."""
    reference = load_territory(write_tiny_territory(tmp_path / "ref"))
    folder = write_tiny_territory(tmp_path / "pq")
    demands = _typed(TINY_DEMANDS)
    demands["wished_communes"] = [s.split(";") if s else [] for s in demands["wished_communes"]]
    demands.to_parquet(folder / "demands.parquet")
    _typed(TINY_UNITS).to_parquet(folder / "units.parquet")
    (folder / "demands.csv").unlink()
    (folder / "units.csv").unlink()
    territory = load_territory(folder)
    _assert_same(territory, reference)
    assert set(territory.file_hashes) == {"demands.parquet", "units.parquet", "policy.toml"}


def test_xlsx_round_trip(tmp_path):
    """An Excel workbook with typed cells (dates, numbers, booleans) reads as the CSV."""
    reference = load_territory(write_tiny_territory(tmp_path / "ref"))
    folder = write_tiny_territory(tmp_path / "xl")
    _typed(TINY_DEMANDS).to_excel(folder / "demands.xlsx", index=False)
    _typed(TINY_UNITS).to_excel(folder / "units.xlsx", index=False)
    (folder / "demands.csv").unlink()
    (folder / "units.csv").unlink()
    _assert_same(load_territory(folder), reference)


def test_broken_parquet_and_xlsx_are_problems(tmp_path):
    """Files that are not what their suffix says give one problem each."""
    for name in ("units.parquet", "units.xlsx"):
        path = tmp_path / name
        path.write_bytes(b"not really")
        with pytest.raises(DataError) as exc:
            read_table(path)
        assert _problems(exc)[0].startswith(f"{name}: cannot be read as")


# --- folder layout -------------------------------------------------------------------

def test_two_tables_with_the_same_name_are_ambiguous(tiny_territory):
    """demands.csv next to demands.xlsx is refused: which one is meant is unclear."""
    (tiny_territory / "demands.xlsx").write_bytes(b"")
    with pytest.raises(DataError) as exc:
        find_table(tiny_territory, "demands")
    assert _problems(exc) == ["demands.csv: is ambiguous: the folder holds demands.csv and "
                              "demands.xlsx; keep only one"]


def test_missing_table_mentions_old_xls(tiny_territory):
    """A missing table lists the accepted names, and points out an old .xls file."""
    (tiny_territory / "units.csv").rename(tiny_territory / "units.xls")
    with pytest.raises(DataError) as exc:
        find_table(tiny_territory, "units")
    (message,) = _problems(exc)
    assert message.startswith("units.csv: the file is missing: expected units.csv, "
                              "units.parquet or units.xlsx in ")
    assert message.endswith("units.xls is in the old Excel format, save it as .xlsx or CSV")


def test_not_a_folder(tmp_path):
    """A path that is not a folder is one problem."""
    with pytest.raises(DataError) as exc:
        load_territory(tmp_path / "nowhere")
    assert "is not a folder" in _problems(exc)[0]


def test_problems_of_all_three_files_come_together(tiny_territory):
    """A missing policy, a missing demands file and a bad unit are reported in one error."""
    (tiny_territory / "policy.toml").unlink()
    (tiny_territory / "demands.csv").unlink()
    (tiny_territory / "units.csv").write_text(TINY_UNITS.replace("U02", "U01"), "utf-8")
    with pytest.raises(DataError) as exc:
        load_territory(tiny_territory)
    messages = _problems(exc)
    assert messages[0] == "policy.toml: the file is missing"
    assert messages[1].startswith("demands.csv: the file is missing")
    assert messages[2] == ("units.csv, row 3, column 'unit_id': expected a unique identifier, "
                           "got 'U01', already on row 2")
    assert len(messages) == 3


def test_file_hashes_are_sha256_of_each_input(tiny_territory):
    """Territory.file_hashes holds the SHA-256 of the three files, by file name."""
    territory = load_territory(tiny_territory)
    expected = {name: hashlib.sha256((tiny_territory / name).read_bytes()).hexdigest()
                for name in ("demands.csv", "units.csv", "policy.toml")}
    assert territory.file_hashes == expected
    assert territory.source == Path(tiny_territory)


def test_load_territory_is_exported():
    """The public entry point is re-exported by the models package."""
    from attribution import models
    assert models.load_territory is load_territory


@pytest.mark.parametrize("text", [
    "a,b\n1 ,x\n", "a,b\n 1,x\n", "a,b\n1,x \n", "a,b\n1,\tx\n", 'a,b\n" 1",x\n',
    "a,b\n1,x\u00a0\n", "a,b\r\n1,x \r\n", "a,b\n1,x\u2003\n",
])
def test_white_space_around_cells_is_stripped(tmp_path, text):
    """Spaces, tabs and Unicode spaces next to separators, quotes or line ends go."""
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8", newline="")
    df = read_table(path)
    assert df["a"].tolist() == ["1"] and df["b"].tolist() == ["x"]
