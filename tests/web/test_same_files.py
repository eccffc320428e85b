"""A round and a year done in the browser write the same files as the command line
(same territory, seed and decisions), timing aside."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("fastapi")

from click.testing import CliRunner  # noqa: E402

from attribution.cli import main  # noqa: E402
from attribution.web import jobs  # noqa: E402

from builders import write_tiny_territory  # noqa: E402
from web_support import client, csrf, finish, make_workspace, start_round  # noqa: E402

#: Keys of the JSON files that hold the clock (started/finished, seconds).
TIMING_KEYS = {"timing"}


def _strip_clock(obj):
    if isinstance(obj, dict):
        return {k: _strip_clock(v) for k, v in obj.items() if k not in TIMING_KEYS}
    if isinstance(obj, list):
        return [_strip_clock(v) for v in obj]
    return obj


def _same_folders(a: Path, b: Path, replace: dict[str, str]) -> None:
    """Every file of both folders equal; ``replace`` maps the CLI's paths to the web's."""
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    for name in names:
        x, y = (a / name).read_bytes(), (b / name).read_bytes()
        if name.endswith(".json"):
            tx = x.decode()
            for old, new in replace.items():
                tx = tx.replace(json.dumps(old)[1:-1], json.dumps(new)[1:-1])
            assert _strip_clock(json.loads(tx)) == _strip_clock(json.loads(y)), name
        else:
            assert x == y, name


def _cli(*args) -> str:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_round_and_a_year_from_the_browser_equal_the_cli(tmp_path):
    territory = write_tiny_territory(tmp_path / "territory")
    _, app = make_workspace(tmp_path / "web", territory, {"cil": "cil"})
    c = client(app, "cil")

    # the browser: a round with seed 3, then two decisions on the proposed unit, the year
    run = start_round(c, time_limit=20, seed=3, shortlists="auto", quota_prices="auto")
    job = finish(app, run)
    used = Path(job.meta["territory"])          # the workspace's copy of the territory
    lists = pd.read_csv(job.folder / "shortlists.csv", dtype=str, keep_default_na=False)
    unit = lists.loc[lists["assigned"] == "True", "unit_id"].iloc[0]
    mine = lists[lists["unit_id"] == unit]
    proposed = mine.loc[mine["assigned"] == "True", "demand_id"].iloc[0]
    other = mine.loc[mine["assigned"] != "True", "demand_id"].iloc[0]
    rows = [
        {"demand_id": other, "event": "offer_refused", "date": "2025-03-10", "rank": "",
         "justified": "non", "reason": "trop loin"},
        {"demand_id": proposed, "event": "commission_attributed", "date": "2025-03-12",
         "rank": "1", "justified": "", "reason": ""},
        {"demand_id": proposed, "event": "lease_signed", "date": "2025-03-20", "rank": "",
         "justified": "", "reason": ""},
    ]
    for row in rows:
        r = c.post(f"/tours/{run}/logements/{unit}/decisions",
                   data={"csrf_token": csrf(c), **row})
        assert r.status_code == 200 and "Décision enregistrée" in r.text, r.text
    history = c.get(f"/tours/{run}/logements/{unit}").text
    history = history[history.index('id="history"'):history.index("</table>", history.index('id="history"'))]
    assert history.count("<tr>") == 1 + len(rows) and "offre refusée" in history
    for j in jobs.listing(app.state.engine, "bilan"):   # the refreshes after each decision
        jobs.wait(app.state.engine, j.id)
    r = c.post("/annee/bilan", data={"csrf_token": csrf(c), "year": "2025"})
    assert r.status_code == 303
    bilan_job = jobs.listing(app.state.engine, "bilan")[0]
    web_bilan = finish(app, bilan_job.id).folder

    # the command line: the same territory folder, seed and decisions, another ledger
    ledger = tmp_path / "cli.sqlite"
    _cli("solve", used, "--out", tmp_path / "cli-round", "--ledger", ledger, "--seed", 3,
         "--time-limit", 20, "--workers", 1, "--user", "cil", "-q")
    decisions = tmp_path / "decisions.csv"
    decisions.write_text("unit_id,demand_id,event,date,rank,justified,reason\n" + "".join(
        f"{unit},{r['demand_id']},{r['event']},{r['date']},{r['rank']},"
        f"{ {'non': 'false'}.get(r['justified'], '') },{r['reason']}\n" for r in rows),
        encoding="utf-8")
    _cli("record", ledger, decisions, "--user", "cil")
    _cli("bilan", ledger, "--year", 2025, "--out", tmp_path / "cli-bilan")

    replace = {str(ledger): str(app.state.ws.ledger)}
    _same_folders(tmp_path / "cli-round", job.folder, replace)
    _same_folders(tmp_path / "cli-bilan", web_bilan, replace)
    flows = pd.read_csv(web_bilan / "flows.csv")
    assert flows["units_let"].sum() == 1          # the lease is in the year's accounts
    assert re.search(r"\b1\b", (web_bilan / "refusals.csv").read_text())
