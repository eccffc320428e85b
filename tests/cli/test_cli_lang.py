"""--lang, --csv-dialect, explain --letter and letters: French by default, English on
request, machine CSVs unchanged unless excel-fr is asked for, and a letter holds no other
applicant's data."""

import json
import re

import pandas as pd
import pytest
from click.testing import CliRunner

from attribution.cli import main
from attribution.models.generator import write_territory


def _solve(*args):
    return CliRunner().invoke(main, ["solve", *map(str, args), "-q", "--time-limit", "20",
                                     "--shortlists", "bound", "--quota-prices", "never"])


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    base = tmp_path_factory.mktemp("lang")
    write_territory(base / "t", 11, 160, 12)
    fr = _solve(base / "t", "--out", base / "fr")
    en = _solve(base / "t", "--out", base / "en", "--lang", "en", "--csv-dialect", "excel-fr")
    assert fr.exit_code == 0 and en.exit_code == 0, (fr.output, en.output)
    return base, fr, en


def test_summary_and_reasons_follow_the_language(folders):
    base, fr, en = folders
    assert "logements attribués" in fr.stdout and "units let" in en.stdout
    dec_fr = pd.read_csv(base / "fr" / "decisions.csv", dtype=str, keep_default_na=False)
    housed = dec_fr[dec_fr["outcome"] == "housed"].iloc[0]
    assert housed["reason"].startswith("Attribution : logement")
    assert (dec_fr["reason"] == dec_fr["motif"]).all()     # motif: always French
    assert "lang=\"en\"" in (base / "en" / "report.html").read_text(encoding="utf-8")


def test_excel_fr_dialect_keeps_columns_and_values(folders):
    """Same columns and codes; ';', a UTF-8 BOM and decimal commas; numbers equal."""
    base, _, _ = folders
    for name in ("assignments", "decisions", "quotas"):
        std = pd.read_csv(base / "fr" / f"{name}.csv", keep_default_na=False)
        raw = (base / "en" / f"{name}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
        xl = pd.read_csv(base / "en" / f"{name}.csv", sep=";", decimal=",",
                         encoding="utf-8-sig", keep_default_na=False)
        assert list(xl.columns) == list(std.columns)
        for col in std.columns:
            if std[col].dtype.kind in "if":
                pd.testing.assert_series_equal(xl[col], std[col], check_dtype=False)
            elif col not in ("reason", "motif", "description"):   # empty cells: text
                dot = xl[col].astype(str).str.replace(",", ".", regex=False)
                assert (dot == std[col].astype(str).str.replace(",", ".", regex=False)).all(), col
    quotas = (base / "en" / "quotas.csv").read_text(encoding="utf-8-sig")
    assert re.search(r";0,\d+;", quotas)
    manifest = json.loads((base / "fr" / "manifest.json").read_text())
    assert "agenda.html" in manifest["outputs"]


def test_explain_in_both_languages(folders):
    base, _, _ = folders
    dec = pd.read_csv(base / "fr" / "decisions.csv", dtype=str, keep_default_na=False)
    demand = dec[dec["outcome"] == "outranked"].iloc[0]["demand_id"]
    fr = CliRunner().invoke(main, ["explain", str(base / "fr"), demand])
    en = CliRunner().invoke(main, ["explain", str(base / "fr"), demand, "--lang", "en"])
    assert "Décision\u00a0: devancé·e" in fr.output and "Cotation\u00a0:" in fr.output
    assert "Outcome: outranked" in en.output and "Score:" in en.output
    assert "could be offered" in en.output          # the reason rebuilt in English


def test_letters_hold_only_the_applicants_data(folders, tmp_path):
    """One page per demand; no other demand id appears in it (shortlist competitors
    included)."""
    base, _, _ = folders
    out = tmp_path / "letters"
    result = CliRunner().invoke(main, ["letters", str(base / "fr"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    dec = pd.read_csv(base / "fr" / "decisions.csv", dtype=str, keep_default_na=False)
    files = sorted(out.glob("*.html"))
    assert len(files) == len(dec)
    ids = set(dec["demand_id"])
    outranked = set(dec.loc[dec["outcome"].isin(["outranked", "held_by_quota"]),
                            "demand_id"])
    chosen = [p for p in files if p.stem in outranked][:20] + files[:40]
    for path in chosen:
        text = path.read_text(encoding="utf-8")
        assert "La plus basse était" not in text and "moins bien coté (" not in text
        me = path.stem
        assert 'lang="fr"' in text and "Votre cotation" in text and me in text
        others = {i for i in re.findall(r"D\d{6}", text)} - {me}
        assert not (others & ids), (me, others)
        assert "<script" not in text.lower() and "src=" not in text.lower()
    one = CliRunner().invoke(main, ["explain", str(base / "fr"), dec["demand_id"].iloc[0],
                                    "--letter", str(tmp_path / "one.html"), "--lang", "en"])
    assert one.exit_code == 0 and 'lang="en"' in (tmp_path / "one.html").read_text()
    bad = CliRunner().invoke(main, ["letters", str(base / "fr"), "--out", str(out),
                                    "--demand", "NOPE"])
    assert bad.exit_code == 2 and "NOPE" in bad.output


def test_pdf_letter_when_weasyprint_is_installed(folders, tmp_path):
    pytest.importorskip("weasyprint")
    base, _, _ = folders
    dec = pd.read_csv(base / "fr" / "decisions.csv", dtype=str, keep_default_na=False)
    demand = dec["demand_id"].iloc[0]
    result = CliRunner().invoke(main, ["letters", str(base / "fr"), "--out", str(tmp_path),
                                       "--demand", demand, "--pdf"])
    assert result.exit_code == 0, result.output
    pdf = (tmp_path / f"{demand}.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 5_000


def test_with_names_only_in_the_agenda(tmp_path):
    """A 'Nom' column: ignored (a notice names the column, not its cells) without
    --with-names; with it, the names are in agenda.html and its sheet, and nowhere else."""
    import openpyxl

    write_territory(tmp_path / "t", 5, 120, 10)
    d = pd.read_csv(tmp_path / "t" / "demands.csv", dtype=str, keep_default_na=False)
    d["Nom"] = [f"Zorglub{i:04d}" for i in range(len(d))]
    d.to_csv(tmp_path / "t" / "demands.csv", index=False)
    plain = _solve(tmp_path / "t", "--out", tmp_path / "plain")
    named = CliRunner().invoke(main, ["solve", str(tmp_path / "t"), "--out",
                                      str(tmp_path / "named"), "--time-limit", "20",
                                      "--shortlists", "bound", "--quota-prices", "never",
                                      "--with-names"])
    assert plain.exit_code == 0 and named.exit_code == 0, named.output
    assert "Zorglub" not in plain.output + named.output          # not in the logs
    assert "Nom" in named.stderr                                  # the notice
    for f in (tmp_path / "plain").iterdir():
        assert b"Zorglub" not in f.read_bytes(), f.name
    for f in (tmp_path / "named").iterdir():
        if f.name not in ("agenda.html", "results.xlsx"):
            assert b"Zorglub" not in f.read_bytes(), f.name
    assert "Zorglub" in (tmp_path / "named" / "agenda.html").read_text(encoding="utf-8")
    sheet = openpyxl.load_workbook(tmp_path / "named" / "results.xlsx")["Ordre du jour CALEOL"]
    assert "Nom" in [c.value for c in sheet[1]]
    d.drop(columns=["Nom"]).to_csv(tmp_path / "t" / "demands.csv", index=False)
    missing = CliRunner().invoke(main, ["solve", str(tmp_path / "t"), "--out",
                                        str(tmp_path / "y"), "--with-names", "-q"])
    assert missing.exit_code == 1 and "--with-names" in missing.output


def test_the_language_comes_back_after_a_command(tmp_path):
    """--lang holds for one command only, even when the command fails to parse after it."""
    from attribution.models.i18n import current
    for args in (["validate", "--lang", "en", str(tmp_path / "nowhere")],
                 ["validate", str(tmp_path), "--lang", "en"],
                 ["explain", str(tmp_path), "X", "--lang", "en"]):
        CliRunner().invoke(main, args)
        assert current() == "fr", args
