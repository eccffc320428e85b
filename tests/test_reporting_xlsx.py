"""results.xlsx: one sheet per table, same content, byte-identical across runs."""

import zipfile

import pandas as pd

from attribution.reporting.xlsx import FIXED_DATE, write_xlsx

TABLES = {"assignments": pd.DataFrame({"unit_id": ["U1", "U2"], "score": [12, 7],
                                       "commune": ["Besné", "Donges"]}),
          "a_sheet_name_longer_than_thirty_one_chars": pd.DataFrame({"x": [1.5]})}


def test_one_sheet_per_table_with_the_same_content(tmp_path):
    """Reading the workbook back gives every table (long names cut to 31 characters)."""
    path = tmp_path / "r.xlsx"
    write_xlsx(path, TABLES)
    back = pd.read_excel(path, sheet_name=None)
    assert list(back) == ["assignments", "a_sheet_name_longer_than_thirty_one_chars"[:31]]
    pd.testing.assert_frame_equal(back["assignments"], TABLES["assignments"])


def test_two_writes_are_byte_identical(tmp_path, monkeypatch):
    """The save time stamped by openpyxl is replaced by a fixed date, so bytes are equal."""
    import datetime as dt

    import openpyxl.writer.excel as excel

    write_xlsx(tmp_path / "a.xlsx", TABLES)

    class Later(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return dt.datetime(2031, 5, 6, 7, 8, 9, tzinfo=tz)

    monkeypatch.setattr(excel.datetime, "datetime", Later)
    write_xlsx(tmp_path / "b.xlsx", TABLES)
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    core = zipfile.ZipFile(tmp_path / "b.xlsx").read("docProps/core.xml").decode()
    assert FIXED_DATE in core and "2031" not in core
