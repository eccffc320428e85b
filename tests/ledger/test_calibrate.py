"""``attribution calibrate``: the estimates of a year recorded with KNOWN rates.

A synthetic year is played here, outside the simulator, with known refusal probabilities
(per refusal group × unit in or outside a QPV), a known lapse probability at each
anniversary and a known Poisson flow of arrivals, and recorded month by month through the
ledger's own path (``record`` with the month's territory, as ``record --territory``).
This test counts, as it plays, every offer and refusal per segment, every anniversary
passed in the queue and every lapse, every arrival and every lease; then:

- ``calibrate`` finds exactly these counts (its definitions match the simulator's model);
- each known rate lies in a 99.9 % Wilson interval of the counts (scipy's implementation,
  not ours; ten intervals at 99.9 %: a family-wise error under 1 %), the known arrival
  rate in the exact Poisson interval; the 95 % intervals written are scipy's Wilson ones;
- the scenario file round-trips through the scenario loader and simulates;
- an empty ledger, a ledger with too few events, and an existing ``--out`` (without
  ``--force``, or not written by calibrate, or edited since) are clear errors.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from attribution.cli import main
from attribution.ledger import open_ledger, record
from attribution.ledger.calibrate import (MIN_SEGMENT_OFFERS, calibrate, garwood,
                                          written_by_us)
from attribution.models.generator import write_territory
from attribution.models.io.readers import load_territory
from attribution.models.territory import Territory
from attribution.scenarios.pool import add_months
from attribution.scenarios.spec import DEFAULT_REFUSALS, load_scenario
from attribution.scenarios.rows import concat, renamed, take, with_columns

START = dt.date(2025, 1, 6)
MONTHS = 12
UNITS_PER_MONTH = 30
KNOWN_REFUSALS = {"dalo": (0.10, 0.30), "priority": (0.20, 0.40),
                  "mutation": (0.35, 0.55), "other": (0.25, 0.45)}
LAPSE = 0.35
ARRIVALS = 25.0
GROUPS = ("dalo", "priority", "mutation", "other")


def _group(demands, i: int) -> str:
    for g in GROUPS[:-1]:
        if bool(getattr(demands, g)[i]):
            return g
    return "other"


def _anniversaries(reg: dt.date, after: dt.date, upto: dt.date) -> int:
    """Anniversaries of ``reg`` in (after, upto], by date arithmetic (29 February's
    anniversary is 1 March in other years)."""
    n = 0
    for years in range(1, 60):
        try:
            day = reg.replace(year=reg.year + years)
        except ValueError:
            day = dt.date(reg.year + years, 3, 1)
        if day > upto:
            break
        n += day > after
    return n


def _territory(base: Territory, day: dt.date, demands, units) -> Territory:
    policy = base.policy
    policy = dataclasses.replace(policy, territory=dataclasses.replace(policy.territory,
                                                                        round_date=day))
    return Territory(policy, demands, units)


def play_year(root: Path, ledger_path: str, months: int = MONTHS,
              per_month: int = UNITS_PER_MONTH) -> dict:
    """Play and record the synthetic year; return what was counted while playing."""
    write_territory(root / "base", 5, 700, months * per_month + 5, round_date=START,
                    profile="carene")
    units_csv = root / "base" / "units.csv"
    u = pd.read_csv(units_csv, dtype=str, keep_default_na=False)
    u["outside_flow"] = "true"          # no réservataire to name for leases
    u["reservataire"] = ""
    u.to_csv(units_csv, index=False)
    base = load_territory(root / "base")
    rng = np.random.default_rng(2025)
    pool = base.demands
    count = {"offers": {}, "refused": {}, "trials": 0, "lapses": 0, "arrivals": 0,
             "leases": 0}
    ledger = open_ledger(ledger_path, user="calibrate-test")
    previous = None
    try:
        for k in range(months):
            day = add_months(START, k)
            if k:
                regs = pool.registered_on.astype("datetime64[D]").astype(object)
                lapsed = np.zeros(len(pool), dtype=bool)
                for i, reg in enumerate(regs):
                    due = _anniversaries(reg, previous, day)
                    count["trials"] += due
                    if due and rng.random() < LAPSE:
                        lapsed[i] = True
                count["lapses"] += int(lapsed.sum())
                pool = take(pool, ~lapsed)
                n = int(rng.poisson(ARRIVALS))
                new = take(base.demands, rng.integers(0, len(base.demands), n))
                span = (day - previous).days
                reg = (np.datetime64(previous, "D")
                       + rng.integers(1, span + 1, n).astype("timedelta64[D]"))
                new = renamed(with_columns(new, registered_on=reg.astype("datetime64[D]"),
                                           refusals=np.zeros(n, dtype=np.int64)), f"A{k:02d}-")
                pool = concat(pool, new)
                count["arrivals"] += n
            units = take(base.units, np.arange(k * per_month, (k + 1) * per_month))
            rows, housed = [], set()
            order = rng.permutation(len(pool))
            cursor = 0
            for j in range(len(units)):
                qpv = int(bool(units.qpv[j]))
                for _offer in range(4):
                    i = int(order[cursor])
                    cursor += 1
                    g = _group(pool, i)
                    key = (g, "qpv" if qpv else "outside_qpv")
                    count["offers"][key] = count["offers"].get(key, 0) + 1
                    uid, did = str(units.ids[j]), str(pool.ids[i])
                    if rng.random() < KNOWN_REFUSALS[g][qpv]:
                        count["refused"][key] = count["refused"].get(key, 0) + 1
                        rows.append((uid, did, "offer_refused", day + dt.timedelta(days=3),
                                     "", str(bool(rng.random() < 0.5)).lower(), "étage"))
                        continue
                    rows.append((uid, did, "lease_signed", day + dt.timedelta(days=10),
                                 "", "", ""))
                    housed.add(did)
                    count["leases"] += 1
                    break
            decisions = root / f"decisions-{k + 1:02d}.csv"
            pd.DataFrame(rows, columns=["unit_id", "demand_id", "event", "date", "rank",
                                        "justified", "reason"]).to_csv(decisions, index=False)
            record(ledger, decisions, territory=_territory(base, day, pool, units))
            pool = take(pool, ~np.isin(pool.ids.astype(str), list(housed)))
            previous = day
    finally:
        ledger.close()
    count["base"] = root / "base"
    return count


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    root = tmp_path_factory.mktemp("calibrate")
    ledger = str(root / "cil.db")
    counted = play_year(root, ledger)
    return root, ledger, counted


def cli(*args, code: int = 0) -> str:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == code, (args, result.output)
    return result.output


def test_the_estimates_are_the_counts_and_cover_the_known_rates(year):
    binomtest = pytest.importorskip("scipy.stats").binomtest
    poisson = pytest.importorskip("scipy.stats").poisson
    _, ledger_path, counted = year
    ledger = open_ledger(ledger_path, create=False)
    try:
        cal = calibrate(ledger, 2025)
    finally:
        ledger.close()
    assert cal.start == START and cal.end == add_months(START, MONTHS - 1)
    # Refusals: the same counts per segment; the known probability within 99.9 %.
    for g in GROUPS:
        for loc, known in zip(("outside_qpv", "qpv"), KNOWN_REFUSALS[g]):
            rate = cal.refusals[g, loc]
            assert rate.trials == counted["offers"].get((g, loc), 0), (g, loc)
            assert rate.events == counted["refused"].get((g, loc), 0), (g, loc)
            if rate.trials >= MIN_SEGMENT_OFFERS:
                ci = binomtest(rate.events, rate.trials).proportion_ci(0.999, "wilson")
                assert ci.low <= known <= ci.high, (g, loc, rate, known)
                ours = binomtest(rate.events, rate.trials).proportion_ci(0.95, "wilson")
                assert rate.interval == pytest.approx((ours.low, ours.high), abs=1e-9)
    # Lapses: departures per anniversary passed in the queue.
    assert cal.lapses.events == counted["lapses"]
    assert cal.lapses.trials == counted["trials"]
    assert cal.departures_off_anniversary == 0
    ci = binomtest(cal.lapses.events, cal.lapses.trials).proportion_ci(0.999, "wilson")
    assert ci.low <= LAPSE <= ci.high
    # Arrivals: a Poisson flow over the 11 months between the first and last rounds.
    assert cal.arrivals.count == counted["arrivals"] and cal.arrivals.months == MONTHS - 1
    assert sum(cal.arrivals_by_month.values()) == counted["arrivals"]
    lo, hi = garwood(cal.arrivals.count, cal.arrivals.months, 0.999)
    assert lo <= ARRIVALS <= hi
    # The Garwood bounds are exact: P(X ≥ k | low) = P(X ≤ k | high) = 2.5 %.
    k, m = cal.arrivals.count, cal.arrivals.months
    low, high = cal.arrivals.interval
    assert poisson.sf(k - 1, low * m) == pytest.approx(0.025, abs=1e-6)
    assert poisson.cdf(k, high * m) == pytest.approx(0.025, abs=1e-6)
    # Units let per round-month.
    assert cal.units.count == counted["leases"] and cal.units.months == MONTHS


def test_the_scenario_file_round_trips_and_simulates(year, tmp_path):
    root, ledger, counted = year
    out = tmp_path / "cil-2025.toml"
    text = cli("calibrate", ledger, "--year", "2025", "--out", out, "--territory",
               counted["base"])
    assert "2025" in text and out.is_file() and written_by_us(out)
    sc = load_scenario(out)
    led = open_ledger(ledger, create=False)
    try:
        cal = calibrate(led, 2025)
    finally:
        led.close()
    assert sc.name == "calibrated-2025"
    assert sc.territory.kind == "path" and sc.territory.path == counted["base"].resolve()
    assert sc.demand.lapse_rate == pytest.approx(cal.lapses.estimate, abs=5e-5)
    assert sc.demand.arrivals_per_month == pytest.approx(cal.arrivals.per_month, abs=5e-5)
    assert sc.supply.units_per_month == pytest.approx(cal.units.per_month, abs=5e-5)
    for i, loc in enumerate(("outside_qpv", "qpv")):
        for g in GROUPS:
            rate = cal.refusals[g, loc]
            expected = rate.estimate if rate.trials >= MIN_SEGMENT_OFFERS \
                else DEFAULT_REFUSALS[g][i]
            assert sc.refusals.probability[g][i] == pytest.approx(expected, abs=5e-5)
    body = out.read_text(encoding="utf-8")
    assert "Wilson 95 % CI [" in body and "anniversaries passed in the queue" in body
    # It simulates as it is (one round, one seed, serially).
    sim = tmp_path / "sim"
    cli("simulate", out, "--out", sim, "--seeds", "1", "--months", "2", "--workers", "0")
    rounds = pd.read_csv(sim / "rounds.csv")
    assert len(rounds) == 2 and rounds["let"].sum() > 0
    # --force replaces a file calibrate wrote and nobody edited.
    cli("calibrate", ledger, "--out", out, "--force", "--territory", counted["base"])
    assert written_by_us(out)


def test_an_existing_file_is_never_overwritten_by_surprise(year, tmp_path):
    _, ledger, _ = year
    mine = tmp_path / "mine.toml"
    mine.write_text("[scenario]\nname = \"mine\"\n", encoding="utf-8")
    text = cli("calibrate", ledger, "--out", mine, "--lang", "en", code=2)
    assert "already exists: add --force" in text
    text = cli("calibrate", ledger, "--out", mine, "--force", "--lang", "en", code=2)
    assert "not written by attribution calibrate" in text
    text = cli("calibrate", ledger, "--out", mine, "--force", code=2)   # French by default
    assert "n’a pas été écrit par attribution calibrate" in text
    assert mine.read_text(encoding="utf-8") == "[scenario]\nname = \"mine\"\n"
    ours = tmp_path / "ours.toml"
    cli("calibrate", ledger, "--out", ours)
    edited = ours.read_text(encoding="utf-8").replace("seeds...", "seeds (edited)")
    ours.write_text(edited, encoding="utf-8")
    cli("calibrate", ledger, "--out", ours, "--force", code=2)
    assert ours.read_text(encoding="utf-8") == edited
    text = cli("calibrate", ledger, "--out", tmp_path / "no" / "such.toml", "--lang", "en",
               code=2)
    assert "does not exist" in text


def test_an_empty_ledger_and_too_few_events_are_clear_errors(tmp_path):
    empty = tmp_path / "empty.db"
    open_ledger(str(empty), user="t").close()
    text = cli("calibrate", empty, "--out", tmp_path / "x.toml", "--lang", "en", code=1)
    assert "The ledger is empty" in text and not (tmp_path / "x.toml").exists()
    # One month only: one date, a handful of offers.
    short = tmp_path / "short.db"
    play_year(tmp_path / "short", str(short), months=1)
    text = cli("calibrate", short, "--out", tmp_path / "y.toml", "--lang", "en", code=1)
    assert "needs at least 2, a month or more apart" in text and not (tmp_path / "y.toml").exists()
    text = cli("calibrate", short, "--year", "2031", "--out", tmp_path / "y.toml", "--lang",
               "en", code=1)
    assert "2025" in text          # the years the ledger holds are named
    # Two months a month apart, but a handful of offers.
    few = tmp_path / "few.db"
    play_year(tmp_path / "few", str(few), months=2, per_month=4)
    text = cli("calibrate", few, "--out", tmp_path / "z.toml", "--lang", "en", code=1)
    assert "needs at least 30 to estimate refusal rates" in text
    text = cli("calibrate", few, "--out", tmp_path / "z.toml", code=1)
    assert "en demande au moins 30" in text and not (tmp_path / "z.toml").exists()
