"""Every output a person reads, in French by default and in English with ``--lang en``.

One small round is solved in both languages (report.html, agenda.html, a letter, the
workbook's sheet names and headers, the stdout summary and the progress lines), two
scenarios are compared and a sweep is run (their pages and progress), a ledger gets a round
and a lease (the ledger's lines and the bilan page), and a sample of broken inputs is
validated (the input problems). The French texts must hold none of a list of English words
and phrases; the same detector run on the English texts must find them (so it can fail),
and the English outputs must say ``lang="en"``.

Not checked here by design: the values the user typed (ids, commune names, quoted cells)
and the text of Python's own errors quoted in a message (a TOML or CSV parser's sentence),
which are kept as they are; both are left out of the sample.
"""

from __future__ import annotations

import csv
import html
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from attribution.cli import main
from attribution.models.generator import write_territory
from builders import write_tiny_territory
from malformed_corpus import CASES as MALFORMED

#: English words and phrases that must never reach a French reader (with their spaces:
#: whole words); " the " alone catches most English sentences.
ENGLISH = (" the ", " of ", " must ", " expected ", " got ", " which ", " with ", " is ",
           " are ", " not ", " and ", " has ", " but ", " no ", " missing", " should ",
           " cannot ", " each ",
           "Key figures", "Warning", " seed ", " round ", " units ", " demands ", " households ",
           "Nothing was written", " row ", " column ", " key ")

#: Problems of the malformed corpus checked (those quoting no parser's own sentence).
SAMPLE = ("missing demands file", "empty units file", "header only", "two demands files",
          "missing policy", "ragged row", "missing required column",
          "text in a criterion column")


def _text(page: str) -> str:
    """The words of a page as a reader sees them (tags, styles and SVG markup removed)."""
    page = re.sub(r"(?s)<style.*?</style>", " ", page)
    page = re.sub(r"<[^>]+>", " ", page)
    return " " + re.sub(r"\s+", " ", html.unescape(page)) + " "


def leaks(text: str) -> list[str]:
    """The English words and phrases found in ``text`` (case-insensitive)."""
    low = " " + re.sub(r"\s+", " ", text).lower() + " "
    return [w for w in ENGLISH if w.lower() in low]


def _cli(*args, code=0):
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """lang → {output name → text}: every human-facing output of both languages."""
    root = tmp_path_factory.mktemp("fr")
    terr = root / "territory"
    write_territory(terr, 4, 250, 12)
    scen = root / "scen"
    write_territory(scen / "terr", 9, 150, 6)
    common = ('[territory]\nsource = "terr"\n[supply]\nunits_per_month = 6\n'
              '[simulation]\nmonths = 2\nseeds = 2\n')
    (scen / "a.toml").write_text('[scenario]\nname = "a"\n' + common, encoding="utf-8")
    (scen / "b.toml").write_text('[scenario]\nname = "b"\n' + common
                                 + '[policy]\nquotas.priority_min = 0.4\n', encoding="utf-8")
    out = {}
    for lang in ("fr", "en"):
        texts = {}
        d = root / lang
        d.mkdir()
        solved = _cli("solve", terr, "--out", d / "results", "--lang", lang,
                      "--quota-prices", "never", "--shortlists", "bound")
        texts["solve summary"] = solved.stdout
        texts["solve progress"] = re.sub(r"\[ *[\d.]+ s\]", " ", solved.stderr)
        for page in ("report.html", "agenda.html"):
            texts[page] = (d / "results" / page).read_text(encoding="utf-8")
        demand = pd.read_csv(d / "results" / "decisions.csv", dtype=str)["demand_id"][0]
        _cli("explain", d / "results", demand, "--letter", d / "letter.html", "--lang", lang)
        texts["letter"] = (d / "letter.html").read_text(encoding="utf-8")
        texts["explain"] = _cli("explain", d / "results", demand, "--lang", lang).stdout
        texts["workbook"] = _workbook(d / "results" / "results.xlsx")
        compared = _cli("compare", scen / "a.toml", scen / "b.toml", "--out", d / "cmp",
                        "--workers", "0", "--lang", lang)
        texts["compare progress"] = compared.output
        texts["compare page"] = (d / "cmp" / "report.html").read_text(encoding="utf-8")
        swept = _cli("sweep", scen / "a.toml", "--set", "quotas.priority_min=0.25:0.35:0.1",
                     "--out", d / "sweep", "--workers", "0", "--seeds", "1", "--months", "1",
                     "--lang", lang)
        texts["sweep progress"] = swept.output
        texts["sweep page"] = (d / "sweep" / "sweep.html").read_text(encoding="utf-8")
        texts.update(_ledger(d, terr, lang))
        texts.update(_problems(d, lang))
        out[lang] = texts
    return out


def _workbook(path: Path) -> str:
    """The sheet names and the header row of every sheet of a workbook."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(path, read_only=True)
    parts = []
    for sheet in book.worksheets:
        parts.append(sheet.title)
        for row in sheet.iter_rows(min_row=1, max_row=1, values_only=True):
            parts += [str(v) for v in row if isinstance(v, str)]
    return " | ".join(parts)


def _ledger(d: Path, terr: Path, lang: str) -> dict[str, str]:
    """A round solved into a ledger, a lease and a refusal recorded, the year's bilan."""
    ledger = d / "cil.db"
    solved = _cli("solve", terr, "--out", d / "r-ledger", "--ledger", ledger, "--lang", lang,
                  "--quota-prices", "never", "--shortlists", "bound", "-q")
    a = pd.read_csv(d / "r-ledger" / "assignments.csv", dtype=str)
    others = pd.read_csv(d / "r-ledger" / "decisions.csv", dtype=str)
    refuser = others.loc[~others["demand_id"].isin(a["demand_id"]), "demand_id"].iloc[0]
    rows = [(a["unit_id"][0], a["demand_id"][0], "lease_signed", "20/03/2025", "", "", ""),
            (a["unit_id"][1], refuser, "offer_refused", "2025-03-06", "", "false", "trop loin")]
    with open(d / "decisions.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["unit_id", "demand_id", "event", "date", "rank", "justified", "reason"])
        w.writerows(rows)
    recorded = _cli("record", ledger, d / "decisions.csv", "--lang", lang)
    bilan = _cli("bilan", ledger, "--year", "2025", "--out", d / "bilan", "--lang", lang)
    purged = _cli("ledger", "purge", ledger, "--older-than", "5", "--dry-run", "--lang", lang)
    bad = d / "bad-decisions.csv"
    bad.write_text("unit_id,demand_id,event,date,rank,justified,reason\n"
                   "X1,Y1,moved,2025-13-01,,maybe,\n", encoding="utf-8")
    refused = _cli("record", ledger, bad, "--lang", lang, code=1)
    return {"ledger solve": solved.stdout, "record": recorded.stdout,
            "bilan summary": bilan.stdout, "purge": purged.stdout,
            "record problems": refused.stderr,
            "bilan page": (d / "bilan" / "bilan.html").read_text(encoding="utf-8")}


def _problems(d: Path, lang: str) -> dict[str, str]:
    """``validate`` on a sample of broken folders, and ``solve`` refusing an existing
    folder and a folder it did not write."""
    texts = {}
    cases = {name: defect for name, defect, _fragments in MALFORMED}
    for name in SAMPLE:
        folder = write_tiny_territory(d / "broken" / name.replace(" ", "-"))
        cases[name](folder)
        texts[f"validate: {name}"] = _cli("validate", folder, "--lang", lang, code=1).stderr
    taken = d / "taken"
    (taken).mkdir()
    (taken / "notes.txt").write_text("x", encoding="utf-8")
    folder = write_tiny_territory(d / "tiny")
    texts["solve refusal"] = _cli("solve", folder, "--out", taken, "--lang", lang,
                                  code=2).stderr
    texts["force refusal"] = _cli("solve", folder, "--out", taken, "--force", "--lang", lang,
                                  code=2).stderr
    return texts


def _readable(name: str, text: str) -> str:
    """What a person reads of an output: the words of a page, the lines of a command
    (paths, which hold the test's folder names, left out)."""
    if name.endswith(("html", "page")) or name == "letter":
        return _text(text)
    return re.sub(r"/\S+", " ", text)


def test_no_english_reaches_a_french_reader(outputs):
    found = {name: leaks(_readable(name, text)) for name, text in outputs["fr"].items()}
    assert not {k: v for k, v in found.items() if v}, found
    for name, text in outputs["fr"].items():
        if name.endswith(("html", "page")) or name == "letter":
            assert '<html lang="fr">' in text, name


def test_the_detector_finds_the_english_of_lang_en(outputs):
    """The same detector on the --lang en outputs: every output is found English (the
    check above can fail), and the pages say lang="en"."""
    silent = [name for name, text in outputs["en"].items()
              if not leaks(_readable(name, text))]
    assert not silent, f"no English word found in the --lang en output of {silent}"
    for name, text in outputs["en"].items():
        if name.endswith(("html", "page")) or name == "letter":
            assert '<html lang="en">' in text, name


def test_both_languages_say_the_same_things(outputs):
    """The French and English outputs differ in words, not in what they hold: the same
    outputs, and each French page differs from its English one."""
    assert set(outputs["fr"]) == set(outputs["en"])
    for name in outputs["fr"]:
        if name.endswith(("html", "page")) or name in ("letter", "workbook"):
            assert outputs["fr"][name] != outputs["en"][name], name
    assert "Chiffres clés" in outputs["fr"]["compare page"]
    assert "Key figures" in outputs["en"]["compare page"]
