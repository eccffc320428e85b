"""``attribution calibrate``: a scenario file fitted to a year recorded in the ledger.

The simulated year (:mod:`attribution.scenarios`) draws refusals, lapses, arrivals and
freed units from a few parameters; a CIL that recorded a year of real rounds in its ledger
holds what is needed to estimate them. Every estimate is written into a scenario file the
simulator reads, with its count basis and a 95 % confidence interval in a comment.

Definitions (``docs/scenarios.md``, "Calibrating from a recorded year"):

- **The recorded year** ``Y``: the dates at which the ledger saw a demand file in ``Y`` —
  the round dates of the rounds solved with ``--ledger`` and the dates of the territories
  given to ``record --territory`` (each demand's ``last_seen``). The window runs from the
  first such date ``S`` to the last ``E``.
- **Refusal rates**, per demand group × unit location exactly as the simulator's refusal
  model (:data:`scenarios.spec.REFUSAL_GROUPS`: the first of DALO, priority, mutation that
  the demand belongs to, else other; unit in or outside a QPV): an *offer* is an
  ``offer_refused`` (justified or not: the simulator's refusal is any refusal) or a
  ``lease_signed`` event dated in ``[S, E + 1 month)``; rate = refused / offers, Wilson
  interval. A segment with fewer than :data:`MIN_SEGMENT_OFFERS` offers keeps the
  simulator's default (said in the comment).
- **Lapse rate**: the simulator lets a pending demand lapse at the anniversary of its
  registration with probability ``lapse_rate``. Trials are the anniversaries each demand
  passed while pending in the window (from ``max(registration, S)`` to the last date it
  was seen, or the round that housed it); a departure without attribution is a demand
  that withdrew, or that the ledger stopped seeing before ``E`` (absent from the next
  demand file) without a lease or a pending commission attribution. Rate = departures /
  anniversaries, Wilson interval. A departure between anniversaries (a withdrawal, a
  demand struck off for another reason) counts as well, so that the simulated number of
  exits matches the observed one.
- **Arrivals**: demands registered in ``(S, E]`` that the ledger saw in a demand file,
  divided by the months from ``S`` to ``E`` (the simulator's arrivals come between its
  rounds, registered since the previous one). The simulator draws arrivals as one Poisson
  flow resampled from the pending demands (no segments): the comment gives the count per
  month and the arrivals' mix by refusal group against the pending demands' at ``S``.
  Exact (Garwood) Poisson interval.
- **Units freed**: units let (leases) dated in ``[S, E + 1 month)`` per round-month — the
  baseline's fit (nearly every freed unit is let within its round). Garwood interval.

The file is written atomically, and an existing file is replaced only with ``force`` and
only when this tool wrote it and nobody edited it since (its first line carries the
SHA-256 of the rest).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

from attribution.models.household import months_between
from attribution.models.i18n import _
from attribution.scenarios.pool import add_months
from attribution.scenarios.spec import DEFAULT_REFUSALS, REFUSAL_GROUPS, DemandFlow

from . import schema
from .rounds import events_frame, frame_of, pending_attributions
from .store import Ledger

#: Resolved offers (refusals and leases) the recorded year must hold.
MIN_OFFERS = 30
#: Offers a refusal segment (group × location) needs for its own estimate.
MIN_SEGMENT_OFFERS = 10
#: Dates at which the ledger saw a demand file, at least a month apart first to last.
MIN_OBSERVATIONS = 2
LOCATIONS = ("outside_qpv", "qpv")
Z95 = 1.959963984540054
#: First line of a file this tool wrote: the SHA-256 of everything after that line.
MARKER = "# Written by `attribution calibrate` (do not edit this line) sha256="
_MARKER_RE = re.compile(re.escape(MARKER) + r"([0-9a-f]{64})\n")


class CalibrationError(Exception):
    """The ledger cannot support an estimate (empty, too few events); the message says
    what is missing and how much is needed."""


class OutputExists(Exception):
    """The output file exists and may not be replaced."""


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a proportion ``k / n`` (``n`` ≥ 1)."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def garwood(count: int, exposure: float, confidence: float = 0.95) -> tuple[float, float]:
    """Exact (Garwood) interval of a Poisson rate: ``count`` events in ``exposure``."""
    from scipy.stats import chi2
    a = 1 - confidence
    low = 0.0 if count == 0 else chi2.ppf(a / 2, 2 * count) / 2
    high = chi2.ppf(1 - a / 2, 2 * count + 2) / 2
    return float(low / exposure), float(high / exposure)


@dataclass(frozen=True)
class Rate:
    """A proportion ``events / trials`` with its Wilson interval."""

    events: int
    trials: int

    @property
    def estimate(self) -> float:
        return self.events / self.trials if self.trials else float("nan")

    @property
    def interval(self) -> tuple[float, float]:
        return wilson(min(self.events, self.trials), self.trials) if self.trials else (0.0, 1.0)


@dataclass(frozen=True)
class Flow:
    """A Poisson count per month with its Garwood interval."""

    count: int
    months: int

    @property
    def per_month(self) -> float:
        return self.count / self.months

    @property
    def interval(self) -> tuple[float, float]:
        return garwood(self.count, self.months)


@dataclass(frozen=True)
class Calibration:
    """The estimates of one recorded year, with their counts (module docstring)."""

    year: int
    start: dt.date
    end: dt.date
    observations: tuple[dt.date, ...]
    refusals: dict[tuple[str, str], Rate]
    lapses: Rate
    departures_off_anniversary: int
    arrivals: Flow
    arrivals_by_month: dict[str, int]
    arrivals_mix: dict[str, float]
    pending_mix: dict[str, float]
    units: Flow
    notes: list[str] = field(default_factory=list)

    @property
    def offers(self) -> int:
        return sum(r.trials for r in self.refusals.values())


def _years_seen(conn) -> list[int]:
    r, d = schema.rounds, schema.demands
    dates = {x for (x,) in conn.execute(sa.select(r.c.round_date).where(
        r.c.status != "superseded")).all()}
    dates |= {x for (x,) in conn.execute(sa.select(d.c.last_seen).distinct()).all()}
    return sorted({_day(x).year for x in dates})


def _day(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def observation_dates(conn, year: int) -> tuple[dt.date, ...]:
    """Dates of ``year`` at which the ledger saw a demand file (module docstring)."""
    r, d = schema.rounds, schema.demands
    dates = {_day(x) for (x,) in conn.execute(sa.select(r.c.round_date).where(
        r.c.status != "superseded")).all()}
    dates |= {_day(x) for (x,) in conn.execute(sa.select(d.c.last_seen).distinct()).all()}
    return tuple(sorted(x for x in dates if x.year == year))


def _demands(conn) -> pd.DataFrame:
    d = schema.demands
    cols = ["demand_id", "registered_on", "last_seen", "priority", "dalo", "mutation"]
    frame = frame_of(conn, sa.select(*[d.c[c] for c in cols]), cols)
    for c in ("registered_on", "last_seen"):
        frame[c] = pd.to_datetime(frame[c]).dt.date
    for c in ("priority", "dalo", "mutation"):
        frame[c] = frame[c].astype(bool)
    return frame


def refusal_group(frame: pd.DataFrame) -> np.ndarray:
    """The simulator's refusal group of each row (``dalo``, ``priority``, ``mutation``
    columns): the first group listed that applies, else ``other``."""
    group = np.full(len(frame), "other", dtype=object)
    for name in reversed(REFUSAL_GROUPS[:-1]):
        group[frame[name].to_numpy(dtype=bool)] = name
    return group


def calibrate(ledger: Ledger, year: int | None = None) -> Calibration:
    """Estimate the scenario parameters from the ledger's recorded ``year`` (default:
    the latest year in which it saw a demand file).

    Raises
    ------
    CalibrationError
        An empty ledger, no such year, or too few events (the message says how many are
        needed).
    """
    with ledger.reading() as conn:
        years = _years_seen(conn)
        events = events_frame(conn)
        if not years and events.empty:
            raise CalibrationError(_(
                "The ledger is empty: it holds no round, no demand and no event. Record a "
                "year first (attribution solve --ledger, then attribution record), then "
                "calibrate."))
        if year is None:
            year = years[-1] if years else int(_day(events["event_date"].max()).year)
        obs = observation_dates(conn, year)
        if len(obs) < MIN_OBSERVATIONS or months_between(
                np.array([obs[0]], dtype="datetime64[D]"), obs[-1])[0] < 1:
            raise CalibrationError(_(
                "The ledger saw the demand file on {n} date(s) in {year}; calibrate needs "
                "at least {need}, a month or more apart (the rounds of the year, solved "
                "with --ledger or recorded with --territory), to count arrivals and "
                "departures. Years with rounds: {years}.").format(
                    n=len(obs), year=year, need=MIN_OBSERVATIONS,
                    years=", ".join(map(str, years)) or "–"))
        demands = _demands(conn)
        units = frame_of(conn, sa.select(schema.units.c.unit_id, schema.units.c.qpv),
                         ["unit_id", "qpv"])
    start, end = obs[0], obs[-1]
    until = add_months(end, 1)
    in_window = events[(events["event_date"] >= start) & (events["event_date"] < until)]
    refusals = _refusals(in_window, demands, units)
    total = sum(r.trials for r in refusals.values())
    if total < MIN_OFFERS:
        raise CalibrationError(_(
            "The ledger holds {n} resolved offers (offer_refused or lease_signed events) "
            "between {start} and {end}; calibrate needs at least {need} to estimate "
            "refusal rates. Record the year's refusals and leases first.").format(
                n=total, start=start.isoformat(), end=until.isoformat(), need=MIN_OFFERS))
    lapses, off = _lapses(demands, events, obs)
    n_months = int(months_between(np.array([start], dtype="datetime64[D]"), end)[0])
    arrived = demands[(demands["registered_on"] > start) & (demands["registered_on"] <= end)]
    by_month = arrived["registered_on"].map(lambda d: f"{d.year}-{d.month:02d}")
    pending = demands[(demands["registered_on"] <= start) & (demands["last_seen"] >= start)]
    leases = in_window[in_window["event"] == "lease_signed"]
    notes = []
    if lapses.events > lapses.trials:
        notes.append(f"more departures ({lapses.events}) than anniversaries in the queue "
                     f"({lapses.trials}): the lapse rate is capped at 1")
    return Calibration(
        year=year, start=start, end=end, observations=obs, refusals=refusals, lapses=lapses,
        departures_off_anniversary=off, arrivals=Flow(len(arrived), n_months),
        arrivals_by_month=dict(sorted(by_month.value_counts().items())),
        arrivals_mix=_mix(arrived), pending_mix=_mix(pending),
        units=Flow(int(leases["unit_id"].nunique()), n_months + 1), notes=notes)


def _mix(frame: pd.DataFrame) -> dict[str, float]:
    if len(frame) == 0:
        return {}
    counts = pd.Series(refusal_group(frame)).value_counts()
    return {g: float(counts.get(g, 0)) / len(frame) for g in REFUSAL_GROUPS}


def _refusals(events: pd.DataFrame, demands: pd.DataFrame, units: pd.DataFrame
              ) -> dict[tuple[str, str], Rate]:
    offers = events[events["event"].isin(["offer_refused", "lease_signed"])]
    offers = offers.merge(demands, on="demand_id", how="inner").merge(units, on="unit_id",
                                                                       how="inner")
    group = refusal_group(offers)
    where = np.where(offers["qpv"].astype(bool).to_numpy(), "qpv", "outside_qpv")
    refused = (offers["event"] == "offer_refused").to_numpy()
    out = {}
    for g in REFUSAL_GROUPS:
        for loc in LOCATIONS:
            mask = (group == g) & (where == loc)
            out[g, loc] = Rate(int(refused[mask].sum()), int(mask.sum()))
    return out


def _lapses(demands: pd.DataFrame, events: pd.DataFrame, obs: tuple[dt.date, ...]
            ) -> tuple[Rate, int]:
    """Departures without attribution and anniversaries passed in the queue (module
    docstring); also the departures with no anniversary in their interval."""
    start, end = obs[0], obs[-1]
    housed = pd.concat([events.loc[events["event"] == "lease_signed",
                                   ["demand_id", "event_date"]],
                        pending_attributions(events)[["demand_id", "event_date"]]])
    housed_on = housed.groupby("demand_id")["event_date"].min().to_dict()
    withdrawn = events[events["event"] == "withdrawn"].groupby("demand_id")[
        "event_date"].min().to_dict()
    dates = np.array(obs, dtype="datetime64[D]")
    trials = departures = off = 0
    for rec in demands.itertuples(index=False):
        reg, seen, did = rec.registered_on, rec.last_seen, rec.demand_id
        if reg > end or seen < start:
            continue
        h, w = housed_on.get(did), withdrawn.get(did)
        if (h is not None and h < start) or (w is not None and w < start):
            continue                                  # gone before the year
        first = max(reg, start)
        left = False
        if h is not None and (w is None or h <= w):
            stop = _last_on_or_before(dates, min(h, end))   # the round that housed it
        elif w is not None and w <= end:
            stop, left = _first_on_or_after(dates, w), True
        elif seen < end:
            stop, left = _first_after(dates, seen), True   # absent from the next file
        else:
            stop = end
        reg64 = np.array([reg], dtype="datetime64[D]")
        passed = int(max(0, months_between(reg64, stop)[0]) // 12
                     - max(0, months_between(reg64, first)[0]) // 12)
        trials += passed
        departures += int(left)
        off += int(left and passed == 0)
    return Rate(departures, trials), off


def _last_on_or_before(dates: np.ndarray, day: dt.date) -> dt.date:
    i = int(np.searchsorted(dates, np.datetime64(day, "D"), side="right")) - 1
    return dates[max(i, 0)].item()


def _first_on_or_after(dates: np.ndarray, day: dt.date) -> dt.date:
    i = int(np.searchsorted(dates, np.datetime64(day, "D"), side="left"))
    return dates[min(i, len(dates) - 1)].item()


def _first_after(dates: np.ndarray, day: dt.date) -> dt.date:
    i = int(np.searchsorted(dates, np.datetime64(day, "D"), side="right"))
    return dates[min(i, len(dates) - 1)].item()


# -- the scenario file ---------------------------------------------------------------------

def _f(x: float) -> str:
    return f"{x:.4f}".rstrip("0").rstrip(".") if x == x else "nan"


def _ci(low: float, high: float) -> str:
    return f"95 % CI [{_f(low)}, {_f(high)}]"


def scenario_text(cal: Calibration, source: str, ledger_label: str,
                  name: str | None = None) -> str:
    """The scenario file (TOML with comments), without its first (marker) line."""
    name = name or f"calibrated-{cal.year}"
    lines = [
        f"# Calibrated from the ledger {ledger_label}: year {cal.year}, demand files seen on "
        f"{len(cal.observations)} dates from {cal.start} to {cal.end}.",
        "# Each estimate gives its count basis and a 95 % confidence interval (Wilson for",
        "# rates, exact Poisson for flows). Definitions: docs/scenarios.md, \"Calibrating",
        "# from a recorded year\". Edit freely (then save it under another name:",
        "# `calibrate --force` replaces only a file it wrote and nobody edited).",
        "",
        "[scenario]",
        f"name = {_toml_str(name)}",
        f"description = {_toml_str(f'Refusals, lapses, arrivals and units freed of {cal.year}, from the ledger.')}",
        "",
        "[territory]",
        f"source = {_toml_str(source)}",
        "",
        "[supply]",
        f"units_per_month = {_f(max(cal.units.per_month, 0.01))}   # {cal.units.count} units "
        f"let in {cal.units.months} round-months; {_ci(*cal.units.interval)}",
        "",
        "[demand]",
    ]
    lo, hi = cal.arrivals.interval
    lines.append(f"arrivals_per_month = {_f(cal.arrivals.per_month)}   # {cal.arrivals.count} "
                 f"demands registered in {cal.arrivals.months} months after {cal.start}; "
                 f"{_ci(lo, hi)}")
    if cal.arrivals_by_month:
        lines.append("#   by month of registration: " + ", ".join(
            f"{m} {n}" for m, n in cal.arrivals_by_month.items()))
    if cal.arrivals_mix:
        lines.append("#   one flow, no segments (the simulator resamples newcomers from the "
                     "pending demands); mix of the arrivals by refusal group: "
                     + _mix_text(cal.arrivals_mix) + "; of the demands pending at the start: "
                     + (_mix_text(cal.pending_mix) or "–"))
    lapse = cal.lapses
    if lapse.trials:
        lines.append(f"lapse_rate = {_f(min(1.0, lapse.estimate))}   # {lapse.events} departures "
                     f"without attribution / {lapse.trials} anniversaries passed in the queue; "
                     f"Wilson {_ci(*lapse.interval)}")
        lines.append(f"#   of which {cal.departures_off_anniversary} left between two "
                     "anniversaries (withdrawn or struck off for another reason)")
    else:
        lines.append(f"lapse_rate = {_f(DemandFlow.lapse_rate)}   # kept the default: no "
                     f"demand passed an anniversary in the queue ({lapse.events} departures)")
    lines += ["", "[simulation]",
              "# round_work_limit, seeds... : the defaults (docs/scenarios.md)", ""]
    for g in REFUSAL_GROUPS:
        lines.append(f"[simulation.refusals.{g}]")
        for i, loc in enumerate(LOCATIONS):
            r = cal.refusals[g, loc]
            if r.trials >= MIN_SEGMENT_OFFERS:
                lines.append(f"{loc} = {_f(r.estimate)}   # {r.events} refused of {r.trials} "
                             f"offers; Wilson {_ci(*r.interval)}")
            else:
                lines.append(f"{loc} = {_f(DEFAULT_REFUSALS[g][i])}   # kept the default: "
                             f"only {r.trials} offers ({r.events} refused), fewer than "
                             f"{MIN_SEGMENT_OFFERS}")
        lines.append("")
    for note in cal.notes:
        lines.append(f"# Note: {note}.")
    return "\n".join(lines).rstrip("\n") + "\n"


def _mix_text(mix: dict[str, float]) -> str:
    return ", ".join(f"{g} {100 * v:.0f} %" for g, v in mix.items())


def _toml_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def written_by_us(path: Path) -> bool:
    """The file starts with this tool's marker line and the rest is unedited."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    m = _MARKER_RE.match(text)
    return bool(m) and hashlib.sha256(text[m.end():].encode()).hexdigest() == m.group(1)


def write_scenario(text: str, out: Path, force: bool = False) -> Path:
    """Write ``text`` to ``out`` with the marker line, atomically.

    Raises
    ------
    OutputExists
        ``out`` exists and ``force`` is not given, or it was not written by this tool (or
        was edited since), or it is not a file.
    """
    out = Path(out)
    if out.exists() or out.is_symlink():
        if out.is_dir() or not out.is_file():
            raise OutputExists(_("'{out}' exists and is not a file: choose another --out.")
                               .format(out=out))
        if not force:
            raise OutputExists(_("'{out}' already exists: add --force to replace it (only a "
                                 "file written by attribution calibrate and not edited since "
                                 "is replaced).").format(out=out))
        if not written_by_us(out):
            raise OutputExists(_("'{out}' was not written by attribution calibrate, or was "
                                 "edited since: it is not replaced, even with --force. Choose "
                                 "another --out, or move the file away.").format(out=out))
    body = MARKER + hashlib.sha256(text.encode()).hexdigest() + "\n" + text
    folder = out.resolve().parent
    fd, tmp = tempfile.mkstemp(prefix=".calibrate-", suffix=".toml", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(body)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


__all__ = ["Calibration", "CalibrationError", "OutputExists", "Rate", "Flow", "calibrate",
           "scenario_text", "write_scenario", "written_by_us", "wilson", "garwood",
           "MIN_OFFERS", "MIN_SEGMENT_OFFERS", "MIN_OBSERVATIONS"]
