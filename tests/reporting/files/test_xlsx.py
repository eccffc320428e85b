"""results.xlsx: French sheet names and headers, numbers typed as numbers, shares formatted
as percentages, an autofilter on every table, every text written as text (never a
formula), and identical bytes across runs."""

import zipfile

import openpyxl
import pandas as pd
import pytest

import milp_reference
from attribution.models.i18n import language
from attribution.reporting.results import run
from attribution.reporting.analysis.shortlists import ShortlistParams
from attribution.reporting.files.xlsx import write_xlsx

TABLES = {"assignments": pd.DataFrame({"unit_id": ["U1", "=HYPERLINK(\"x\")"],
                                       "score": [12, 7], "share": [0.602, float("nan")],
                                       "qpv": [True, False],
                                       "commune": ["Besné", "@SUM(A1)"]}),
          "a_sheet_name_longer_than_thirty_one_chars": pd.DataFrame({"x": [1.5]})}


def test_cells_are_typed_and_text_is_never_a_formula(tmp_path):
    path = tmp_path / "r.xlsx"
    write_xlsx(path, TABLES)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["assignments", "a_sheet_name_longer_than_thirty_one_chars"[:31]]
    ws = wb["assignments"]
    assert [c.value for c in ws[1]] == ["unit_id", "score", "share", "qpv", "commune"]
    assert ws["A3"].value == "=HYPERLINK(\"x\")" and ws["A3"].data_type == "s"
    assert ws["E3"].data_type == "s"
    assert ws["B2"].value == 12 and ws["B2"].data_type == "n"
    assert ws["C2"].value == pytest.approx(0.602) and ws["C2"].number_format == "0.0%"
    assert ws["C3"].value is None
    assert ws["D2"].value == "Oui" and ws["D3"].value == "Non"
    assert ws.auto_filter.ref == "A1:E3" and ws.freeze_panes == "A2"


def test_two_writes_are_byte_identical(tmp_path):
    write_xlsx(tmp_path / "a.xlsx", TABLES)
    write_xlsx(tmp_path / "b.xlsx", TABLES)
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    core = zipfile.ZipFile(tmp_path / "b.xlsx").read("docProps/core.xml").decode()
    assert "2000-01-01" in core


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory, small_round):
    problem = small_round
    out = {}
    for lang in ("fr", "en"):
        folder = tmp_path_factory.mktemp(lang) / "results"
        with language(lang):
            run(problem, folder, params=None, solve=milp_reference.solve,
                price_quotas="never", options=ShortlistParams(exact="never"))
        out[lang] = (folder, openpyxl.load_workbook(folder / "results.xlsx"))
    return out


def test_results_workbook_in_french(workbooks):
    """French sheet names and headers; codes shown as words; numbers as numbers;
    percentages formatted; an autofilter on every sheet covering its table."""
    folder, wb = workbooks["fr"]
    assert wb.sheetnames[:4] == ["Ordre du jour CALEOL", "Attributions", "Candidats",
                                 "Décisions"]
    assert {"Quotas", "Par bailleur", "Par réservataire", "Par commune"} <= set(wb.sheetnames)
    for ws in wb.worksheets:
        assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}" \
            f"{max(ws.max_row, 2)}", ws.title
        headers = [c.value for c in ws[1]]
        assert not any("_" in h for h in headers), (ws.title, headers)
    dec = wb["Décisions"]
    headers = [c.value for c in dec[1]]
    assert "Décision" in headers and "Cotation" in headers and "Motif" in headers
    col = {h: i for i, h in enumerate(headers)}
    rows = list(dec.iter_rows(min_row=2, values_only=True))
    csv = pd.read_csv(folder / "decisions.csv", dtype=str, keep_default_na=False)
    assert len(rows) == len(csv)
    assert all(isinstance(r[col["Cotation"]], (int, float)) for r in rows)
    assert {r[col["Décision"]] for r in rows} <= {
        "attribution", "non éligible aux logements souhaités",
        "aucun logement souhaité dans ce tour", "devancé·e par des demandes mieux cotées",
        "écarté·e par un quota"}
    quotas = wb["Quotas"]
    qh = [c.value for c in quotas[1]]
    share = quotas.cell(2, qh.index("Part") + 1)
    assert isinstance(share.value, float) and share.number_format == "0.0%"
    assert not any("[" in str(c.value) for c in quotas["A"][1:])   # words, not row names
    agenda = wb["Ordre du jour CALEOL"]
    ah = [c.value for c in agenda[1]]
    assert {"Bailleur", "Logement", "Rang", "Demande", "Taux d’effort",
            "Revenu / plafond"} <= set(ah)
    burden = agenda.cell(2, ah.index("Taux d’effort") + 1)
    assert burden.number_format == "0.0%"


def test_results_workbook_in_english(workbooks):
    _, wb = workbooks["en"]
    assert wb.sheetnames[:4] == ["Commission agenda", "Attributions", "Candidates",
                                 "Decisions"]
    assert "Outcome" in [c.value for c in wb["Decisions"][1]]


def test_streamed_rows_give_the_bytes_of_cell_by_cell_writing(tmp_path, monkeypatch):
    """The fast row stream (issue 12) against XlsxWriter's own write_* calls, cell by cell,
    on text that needs every escape: control characters, ``_xHHHH_`` look-alikes, XML
    specials, leading/trailing spaces, a rich-string look-alike, missing values of every
    kind, an empty row, dates and booleans."""
    import datetime as dt

    import numpy as np

    from attribution.reporting.files import xlsx

    texts = ["plain", " lead", "trail ", "a\tb", "x\x01y", "_x0041_", "<r>rich</r>", "a&b<c>",
             'q"uote', "\u00a0nbsp", "", None, "line\nbreak", "é à ç"]
    n = len(texts)
    tables = {
        "mixed": pd.DataFrame({
            "text": texts,
            "count": pd.array([1, None, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14], dtype="Int64"),
            "share": [0.1, np.nan, 1 / 3, 0.5, 1e-9, 0.25, 0.0, 1.0, 0.75, 0.2, 0.3, 0.4,
                      0.6, 0.7],
            "flag": [True, False, None, True, False, True, False, True, False, True, False,
                     True, False, True],
            "on": [dt.date(2026, 1, d + 1) if d != 3 else None for d in range(n)],
            "amount": [1234.5] * (n - 1) + [np.nan],
            "whole": np.array([0, -7, 2**53 - 1, 2**53 + 1, -(2**53) - 3, 10**17, 42, 1, 2, 3,
                               999_999_999_999_999, 5, 6, 7], dtype=np.int64),
            "whole_float": [3.0, -0.0, 1e16, 2.0**53, np.nan, 7.0, 8.0, 9.0, 1e22, 0.0, 1.0,
                            2.0, 3.0, 4.0]}),
        "empty_row": pd.DataFrame({"a": ["x", None, "z"], "b": [1.5, np.nan, 2.5]}),
        "no_rows": pd.DataFrame({"a": pd.Series([], dtype=object)}),
    }
    fast, slow = tmp_path / "fast.xlsx", tmp_path / "slow.xlsx"
    write_xlsx(fast, tables)
    monkeypatch.setattr(xlsx, "_stream_rows", lambda *a, **k: False)
    write_xlsx(slow, tables)
    assert fast.read_bytes() == slow.read_bytes()
