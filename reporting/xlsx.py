"""The results workbook: one sheet per table, byte-for-byte reproducible.

openpyxl stamps the workbook with the time of saving (``docProps/core.xml``) and the zip
entries with the time of writing; both are replaced by a fixed date so that two runs on the
same inputs give identical files (the run's real time is in ``manifest.json``).
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pandas as pd

#: Fixed date written in the workbook's properties and zip entries.
FIXED_DATE = "2000-01-01T00:00:00Z"
_ZIP_DATE = (2000, 1, 1, 0, 0, 0)
_STAMP = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")
#: Excel limits a sheet name to 31 characters.
MAX_SHEET_NAME = 31


def write_xlsx(path: Path | str, tables: dict[str, pd.DataFrame]) -> None:
    """Write each table to its own sheet, reproducibly.

    Parameters
    ----------
    path
        The ``.xlsx`` file to write.
    tables
        Sheet name → table (written without its index; names cut to 31 characters).
    """
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, table in tables.items():
            table.to_excel(writer, sheet_name=name[:MAX_SHEET_NAME], index=False)
            sheet = writer.sheets[name[:MAX_SHEET_NAME]]
            sheet.freeze_panes = "A2"
            _text_not_formula(sheet)
            for column in sheet.columns:
                width = max((len(str(c.value)) for c in column[:200] if c.value is not None),
                            default=8)
                sheet.column_dimensions[column[0].column_letter].width = min(width + 2, 60)
    Path(path).write_bytes(_normalise(buffer.getvalue()))


def _text_not_formula(sheet) -> None:
    """Write every text cell as text: openpyxl stores a string beginning with ``=`` (an
    input name such as ``=HYPERLINK(...)``) as a live formula otherwise."""
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"


def _normalise(data: bytes) -> bytes:
    """Rewrite the zip with fixed entry dates and fixed workbook creation dates."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename == "docProps/core.xml":
                content = _STAMP.sub(rb"\g<1>" + FIXED_DATE.encode() + rb"\g<3>", content)
            info = zipfile.ZipInfo(item.filename, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            dst.writestr(info, content)
    return out.getvalue()
