"""Simulated years of monthly allocation rounds on one territory, for one seed.

The horizon is ``simulation.months`` rounds (one year or part of one) or ``12 × years``
rounds: the pending demands, their refusal history and the units left empty carry from
one year to the next, while the annual accounts restart every 12 rounds.

Each round ``k`` (dated ``start + k`` months, so seniority grows by one month a round):

1. demands reaching the anniversary of their registration lapse or are renewed, new
   demands arrive (:mod:`scenarios.pool`);
2. units are freed (:mod:`scenarios.supply`) and join the units left empty last round;
3. up to ``max_offers`` passes: the optimizer allocates the units on offer under the
   quotas with the annual carry-over (:mod:`scenarios.rounds`) — the flow rows without
   their ±1 unit of slack whenever that is feasible, so that the landlords' annual flows
   stay within ``share ± tolerance`` all year —; each offer is accepted
   or refused (:mod:`scenarios.refusals`). A refusal adds one to the demand's
   ``refusals`` (so the policy's malus applies from the next round), the refuser gets no
   other offer this round, and the unit is **re-offered within the round** to the next
   candidate by a new pass over the refused units only — the commission's ranked
   attribution; the accepted attributions of earlier passes are already in the accounts,
   so the new pass steers by the same annual figures;
4. units still not let (no eligible candidate, quotas, or refused ``max_offers`` times)
   stay empty and are offered again next round.

The Q1 threshold is fixed for the horizon from the demands pending at the start (the law
fixes it yearly from the demands of 31 December), so "Q1" means the same in every year
and every scenario. Random draws use independent streams per purpose (supply, arrivals,
refusal ages) spawned from the seed, and keyed draws for refusals and lapses
(:mod:`scenarios.crn`): two scenarios run with the same seed see the same freed units and
the same newcomers as long as their parameters for those agree, and the same answer to
the same offer (common random numbers, which sharpens comparisons).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from attribution.models.household import q1_threshold, quartile_edges
from attribution.models.territory import Territory, Units
from attribution.optimizer import SolveParams

from .accounts import Accounts, annual_check
from .base import load_base, unit_templates
from .overrides import apply_overrides
from .pool import (Pool, add_months, arrivals, arrive, lapsing, refused, start_pool,
                   without)
from .records import attributions, entrants
from .refusals import draw_refusals
from .rounds import SIMULATION_MODEL_ARCS, solve_pass
from .spec import Scenario
from .supply import draw_units, recode
from .rows import concat, take


class TaskTimeout(Exception):
    """A simulated year ran past its ``task_time_limit_s`` (checked between rounds)."""


@dataclass(frozen=True)
class Prepared:
    """A scenario ready to simulate: the territory with its overrides and fixed Q1
    threshold, the unit templates and the income-quartile edges (€ per UC per year)."""

    scenario: Scenario
    territory: Territory
    templates: Units
    quartile_edges: tuple[float, float, float]


@dataclass(frozen=True)
class YearResult:
    """Everything one simulated horizon (a year, or several: ``year`` columns) produced
    (small: it travels back from a worker)."""

    scenario: str
    seed: int
    rounds: pd.DataFrame        # one row per round
    attributions: pd.DataFrame  # one row per accepted offer
    entrants: pd.DataFrame      # demands present: year, at_start, quartile, priority, count
    targets: pd.DataFrame       # annual check of every quota row (scenarios.accounts)
    seconds: float


def prepare(scenario: Scenario, base: Territory | None = None) -> Prepared:
    """Load the base territory (unless given), apply the overrides, fix the year's Q1."""
    base = load_base(scenario.territory) if base is None else base
    territory = apply_overrides(base, scenario.policy, scenario.file)
    policy = territory.policy
    start = scenario.simulation.start or policy.territory.round_date
    threshold = q1_threshold(territory.demands, policy)
    info = dataclasses.replace(policy.territory, q1_threshold=threshold, round_date=start)
    territory = dataclasses.replace(territory, policy=dataclasses.replace(policy, territory=info))
    templates, codes = unit_templates(scenario.territory, base)
    templates = recode(templates, codes, territory.policy)
    return Prepared(scenario, territory, templates,
                    quartile_edges(territory.demands, threshold))


def simulate_year(prepared: Prepared, seed: int, progress=None) -> YearResult:
    """Simulate the scenario's horizon for one Monte-Carlo ``seed`` (module docstring).

    The horizon is ``simulation.months`` rounds for one year, or ``12 × simulation.years``
    rounds: the pending demands, their refusal history and the units left empty carry
    from one year to the next; the annual accounts (and the last-round buffers) restart
    with every simulated year. Every table of the result has a ``year`` column (1..N).

    Parameters
    ----------
    prepared
        From :func:`prepare`.
    seed
        Seed of every random draw of the horizon (and of the solver).
    progress
        Optional callable receiving one line of text per round.

    Raises
    ------
    TaskTimeout
        The horizon ran past ``simulation.task_time_limit_s``.
    """
    sc, sim = prepared.scenario, prepared.scenario.simulation
    started = time.perf_counter()
    # Streams per purpose; lapses and refusals are keyed draws (scenarios.crn), so the
    # spawned streams 2 and 3 are left unused (kept so the others keep their numbers).
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(5)]
    rng_supply, rng_arrivals, _unused_lapse, _unused_refusal, rng_ages = streams
    policy = prepared.territory.policy
    start = policy.territory.round_date
    initial = prepared.territory.demands
    pool = start_pool(initial, rng_ages)
    arrivals_mean = stationary_arrivals(sc, len(initial))
    total = sim.rounds
    present = [entrants(initial, prepared.quartile_edges).assign(year=1, at_start=True)]
    accounts = Accounts()
    targets = []
    vacant = take(prepared.templates, np.zeros(0, dtype=np.int64))
    rounds, records = [], []
    for k in range(total):
        elapsed = time.perf_counter() - started
        if elapsed > sim.task_time_limit_s:
            raise TaskTimeout(f"The simulated horizon of '{sc.name}' (seed {seed}) ran past "
                              f"its time limit of {sim.task_time_limit_s:g} s at round "
                              f"{k + 1}.")
        year = k // 12 + 1
        if k and k % 12 == 0:                     # a new simulated year: fresh accounts
            targets.append(annual_check(accounts).assign(year=year - 1))
            accounts = Accounts()
            present.append(entrants(pool.demands, prepared.quartile_edges)
                           .assign(year=year, at_start=True))
        date = add_months(start, k)
        n_lapsed = n_new = 0
        if k:
            previous = add_months(start, k - 1)
            lapsed = lapsing(pool, previous, date, sc.demand.lapse_rate, seed=seed)
            pool, n_lapsed = without(pool, lapsed), len(lapsed)
            new = arrivals(initial, int(rng_arrivals.poisson(arrivals_mean)), previous, date, k,
                           rng_arrivals)
            pool, n_new = arrive(pool, new), len(new)
            present.append(entrants(new, prepared.quartile_edges).assign(year=year,
                                                                         at_start=False))
        fresh = draw_units(prepared.templates, sc.supply.units_per_month,
                           sc.supply.financing_mix, k, date, rng_supply)
        row = {"round": k + 1, "year": year, "date": date.isoformat(), "pending": len(pool),
               "arrivals": n_new, "lapses": n_lapsed, "units_freed": len(fresh),
               "units_offered": len(vacant) + len(fresh)}
        params = SolveParams(time_limit=max(1.0, min(sim.round_time_limit_s,
                                                     sim.task_time_limit_s - elapsed)),
                             workers=1, diagnose=False,
                             deterministic_limit=sim.round_work_limit,
                             max_model_arcs=SIMULATION_MODEL_ARCS)
        last_of_year = k % 12 == 11 or k == total - 1
        played = _play_round(prepared, pool, accounts, concat(vacant, fresh), k, date, params,
                             seed, last_of_year)
        pool, accounts, vacant = played.pool, played.accounts, played.vacant
        records += [r.assign(year=year) for r in played.records]
        row.update(played.counts, units_left_empty=len(vacant), **_ytd_shares(accounts))
        rounds.append(row)
        if progress is not None:
            from attribution.models.i18n import _
            progress(_("{scenario} seed {seed}: round {k}/{total} ({date}): {let} let, "
                       "{refused} refused, {empty} left empty").format(
                scenario=sc.name, seed=seed, k=k + 1, total=total, date=date,
                let=row["let"], refused=row["refusals"], empty=len(vacant))
                     + _warnings(row))
    targets.append(annual_check(accounts).assign(year=(total - 1) // 12 + 1))
    return YearResult(sc.name, seed, pd.DataFrame(rounds),
                      pd.concat(records, ignore_index=True) if records else pd.DataFrame(),
                      pd.concat(present).groupby(["year", "at_start", "quartile", "priority"],
                                                 as_index=False)["count"].sum(),
                      pd.concat(targets, ignore_index=True), time.perf_counter() - started)


def stationary_arrivals(scenario: Scenario, pending: int) -> float:
    """Monthly arrivals of the scenario: its number, or "stationary" = expected
    attributions (``supply.units_per_month``) + expected lapses (``lapse_rate`` × pending
    / 12), so that the pool keeps its size on average."""
    if scenario.demand.arrivals_per_month is not None:
        return scenario.demand.arrivals_per_month
    return scenario.supply.units_per_month + scenario.demand.lapse_rate * pending / 12


@dataclass(frozen=True)
class _Played:
    """The state after one round, and what the round did."""

    pool: Pool
    accounts: Accounts
    vacant: Units
    records: list
    counts: dict


def _play_round(prepared: Prepared, pool: Pool, accounts: Accounts, offered: Units, k: int,
                date: dt.date, params: SolveParams, seed: int, last_of_year: bool) -> _Played:
    """Up to ``max_offers`` passes over the units on offer (steps 3–4 of the module doc)."""
    sc, sim = prepared.scenario, prepared.scenario.simulation
    policy = prepared.territory.policy
    round_policy = dataclasses.replace(
        policy, territory=dataclasses.replace(policy.territory, round_date=date))
    counts = {"offers": 0, "refusals": 0, "let": 0, "passes": 0, "modes": [], "statuses": [],
              "max_gap": 0.0, "solve_seconds": 0.0, "clock_bound": 0, "no_allocation": 0}
    left_over = take(offered, np.zeros(0, dtype=np.int64))
    refusers: list = []
    records = []
    for p in range(sim.max_offers):
        if not len(offered):
            break
        current = pool.at_round(k).demands
        current = take(current, ~np.isin(current.ids, np.asarray(refusers, dtype=object)))
        out = solve_pass(Territory(round_policy, current, offered), accounts, params, seed,
                         sim.carry_over, strict_flows=True,
                         buffers=LAST_ROUND_BUFFERS if last_of_year else ())
        d_idx = out.problem.graph.demand[out.arcs].astype(np.int64)
        u_idx = out.problem.graph.unit[out.arcs].astype(np.int64)
        no = draw_refusals(sc.refusals, current, offered, d_idx, u_idx, key=(seed, k))
        accounts = accounts.add(out.quotas, out.arcs[~no])
        records.append(attributions(out.problem, out.arcs[~no], k + 1, p + 1, date,
                                    prepared.quartile_edges))
        pool = refused(without(pool, current.ids[d_idx[~no]]), current.ids[d_idx[no]], k)
        refusers += current.ids[d_idx[no]].tolist()
        unlet = np.ones(len(offered), dtype=bool)
        unlet[u_idx] = False
        left_over = concat(left_over, take(offered, unlet))
        offered = take(offered, u_idx[no])
        counts["offers"] += len(out.arcs)
        counts["refusals"] += int(no.sum())
        counts["let"] += int((~no).sum())
        counts["passes"] += 1
        counts["modes"].append(out.mode)
        counts["statuses"].append(out.status)
        counts["max_gap"] = max(counts["max_gap"], out.gap)
        counts["solve_seconds"] += out.seconds
        counts["clock_bound"] += int(out.clock_bound)
        counts["no_allocation"] += int(out.no_allocation)
    counts["modes"] = ";".join(counts["modes"])
    counts["statuses"] = ";".join(counts["statuses"])
    return _Played(pool, accounts, concat(left_over, offered), records, counts)


#: Attributions to spare on each row in the year's last round, by year-to-date base of the
#: row: (min_base, attributions), largest first. Its refusals — each moves a row by at
#: most one attribution — then rarely break an annual target.
LAST_ROUND_BUFFERS = ((100, 2), (30, 1))

#: Share quotas followed round by round in the rounds table (year-to-date).
YTD_ROWS = ("priority_min", "q1_outside_qpv_min", "non_q1_in_qpv_min", "state_priority_min",
            "state_outside_qpv_min")


def _warnings(row: dict) -> str:
    """The round's flags for the progress line (``rounds.csv`` has them as columns)."""
    from attribution.models.i18n import _
    out = ""
    if row.get("no_allocation"):
        out += "; " + _("WARNING: {n} pass(es) found no allocation within the work budget "
                        "(their units wait for the next round)").format(n=row["no_allocation"])
    if row.get("clock_bound"):
        out += "; " + _("WARNING: {n} solve(s) came near the wall-clock limit (may not be "
                        "reproducible: raise --time-limit)").format(n=row["clock_bound"])
    return out


def _ytd_shares(accounts: Accounts) -> dict[str, float]:
    out = {}
    for name in YTD_ROWS:
        left, right = accounts.counts.get(name, (0, 0))
        out[f"ytd_{name}"] = left / right if right else float("nan")
    return out
