"""``attribution solve TERRITORY --out RESULTS --ledger LEDGER``: one round of the year.

1. The round is identified by its territory name and round date. A live round with that
   identity that has decisions recorded (``decided``) is not solved again unless
   ``supersede=True`` (the new round then supersedes it; the old one and its proposals
   stay in the ledger, marked ``superseded``); a ``closed`` round is never re-solved; a
   round still ``proposed`` (no decision yet) is superseded by the new solve.
2. Units already let and households already housed (:mod:`attribution.ledger.rounds`)
   are left out of the round, and counted in the summary; a household is not offered a
   unit it already refused.
3. Each remaining demand's ``refusals`` becomes ``max(export, ledger)``: the export's
   count (refusals of suitable offers in the last 12 months known to the shared demand
   file) topped up with the ledger's unjustified refusals of the same 12 months that the
   export does not show yet — a refusal is never counted twice (docs/ledger.md).
4. The year-to-date accounts (leases of the round's year, and attributions the commission
   made whose lease is pending) are carried into every annual quota row with the same
   carry-over as the simulated year (:func:`scenarios.rounds.carry_attempts`): flows
   without their ±1 slack first, then the plain carry, then only the rows the year so
   far does not already break, then the round alone. The mode used is recorded.
5. The results folder is written (with the observed waits of housed households for the
   applicants), then the round, its proposals (assignments and shortlists) and its
   manifest are stored in one transaction.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sqlalchemy as sa

from attribution.models.compatibility import build_problem
from attribution.models.errors import NoSolutionInTime, PolicyInfeasible
from attribution.models.i18n import N_, _, num
from attribution.models.i18n import date as date_for_people
from attribution.models.problem import AllocationProblem, CompatibilityGraph
from attribution.optimizer import SolveParams
from attribution.reporting.files.atomic import check_target
from attribution.models.size import check_memory
from attribution.reporting.command import (SHORTLIST_MODES, SolveSummary, read_territory,
                                          round_params, summary_of)
from attribution.reporting.results import run
from attribution.reporting.analysis.shortlists import ShortlistParams
from attribution.reporting.analysis.variants import Solver
from attribution.scenarios.rounds import carry_attempts
from attribution.scenarios.rows import take, with_columns

from . import schema
from .accounts import year_accounts
from .rounds import snapshot_territory, state_at
from .store import Ledger, LedgerError, now
from .waits import observed_waits


@dataclass(frozen=True)
class LedgerSolveSummary:
    """The solve's summary, plus what the ledger did."""

    solve: SolveSummary
    round_id: int
    year: int
    carry_mode: str
    excluded_units: int
    excluded_demands: int
    refusals_added: int
    year_attributions: int
    superseded: int | None
    ledger_seconds: float = 0.0    # time spent on the ledger (read, accounts, store)
    ledger_cpu_seconds: float = 0.0   # the same in CPU time of this process

    def lines(self) -> list[str]:
        """The summary as printed on stdout, in the current language."""
        out = self.solve.lines()
        head = (_("ledger: round {id} of {year} (proposed), supersedes round {old}").format(
                    id=self.round_id, year=self.year, old=self.superseded)
                if self.superseded else
                _("ledger: round {id} of {year} (proposed)").format(id=self.round_id,
                                                                    year=self.year))
        out.insert(1, "  " + head + _(
            "; {n} attributions of the year so far carried into the annual quotas (mode "
            "{mode}); {units} units already let and {demands} households already housed left "
            "out; {refusals} refusals from the ledger added.").format(
            n=self.year_attributions, mode=self.carry_mode, units=self.excluded_units,
            demands=self.excluded_demands, refusals=self.refusals_added))
        return out


def without_refused_offers(problem: AllocationProblem, pairs: frozenset[tuple[str, str]]
                           ) -> AllocationProblem:
    """``problem`` without the arcs offering a household a unit it already refused."""
    if not pairs:
        return problem
    t, g = problem.territory, problem.graph
    uid, did = t.units.ids[g.unit], t.demands.ids[g.demand]
    keep = np.array([(u, d) not in pairs for u, d in zip(uid, did)], dtype=bool)
    if keep.all():
        return problem
    graph = CompatibilityGraph(demand=g.demand[keep], unit=g.unit[keep],
                               reservataire=g.reservataire[keep])
    return dataclasses.replace(problem, graph=graph)


def live_round(conn, territory: str, round_date) -> dict | None:
    r = schema.rounds
    row = conn.execute(sa.select(r).where(
        r.c.territory == territory, r.c.round_date == round_date,
        r.c.status != "superseded").order_by(r.c.id.desc()).limit(1)).mappings().first()
    return dict(row) if row else None


def _check_resolvable(existing: dict | None, supersede: bool) -> None:
    if existing is None or existing["status"] == "proposed":
        return
    if existing["status"] == "closed":
        raise LedgerError(_("Round {id} ({date}) is closed; it cannot be solved again. "
                            "Nothing was written.").format(
            id=existing["id"], date=date_for_people(existing["round_date"])))
    if not supersede:
        raise LedgerError(_("Round {id} ({date}) already has commission decisions recorded; "
                            "solving it again is refused. Use --supersede to create a new "
                            "round that replaces it explicitly (the old one stays in the "
                            "ledger). Nothing was written.").format(
            id=existing["id"], date=date_for_people(existing["round_date"])))


def solve_with_ledger(ledger: Ledger, territory: Path | None, out: Path, *,
                      time_limit: float | None = None, seed: int = 0,
                      workers: int | None = None, params: SolveParams | None = None,
                      max_memory: int | None = None,
                      shortlists: str = "auto", price_quotas: str = "auto",
                      force: bool = False, supersede: bool = False,
                      csv_dialect: str = "standard", with_names: bool = False,
                      progress: Callable[[str], None] = lambda _: None,
                      solve: Solver | None = None) -> LedgerSolveSummary:
    """Solve one round under the ledger's year (module docstring).

    Raises
    ------
    LedgerError
        The round may not be solved again; the ledger cannot be read.
    models.errors.DataError, PolicyInfeasible, NoSolutionInTime, ResultsFolderError
        As :func:`reporting.command.solve_territory`.
    """
    check_target(out, force)
    path, label, loaded, names = read_territory(territory, with_names, progress)
    check_memory(loaded, max_memory)
    policy = loaded.policy
    name, day = policy.territory.name, policy.territory.round_date
    policy_text = (path / "policy.toml").read_text(encoding="utf-8")
    t0, c0 = time.perf_counter(), time.process_time()
    with ledger.reading() as conn:
        _check_resolvable(live_round(conn, name, day), supersede)
        state = state_at(conn, day)
        waits = observed_waits(conn, day)
    u, d = loaded.units, loaded.demands
    keep_u = np.array([x not in state.let_units for x in u.ids], dtype=bool)
    keep_d = np.array([x not in state.housed_demands for x in d.ids], dtype=bool)
    kept = take(d, keep_d)
    ledger_ref = np.array([state.refusals.get(x, 0) for x in kept.ids], dtype=np.int64)
    export = np.asarray(kept.refusals, dtype=np.int64)
    refusals = np.maximum(export, ledger_ref)
    kept = with_columns(kept, refusals=refusals)
    round_territory = dataclasses.replace(loaded, units=take(u, keep_u), demands=kept)
    accounts = year_accounts(policy, state.year_attributions)
    read_seconds, read_cpu = time.perf_counter() - t0, time.process_time() - c0
    progress(_("ledger: {n} attributions of {year} so far; {units} units and {demands} demands "
               "left out; read in {seconds} s").format(
        n=len(state.year_attributions), year=day.year, units=int((~keep_u).sum()),
        demands=int((~keep_d).sum()), seconds=num(time.perf_counter() - t0, 2)))
    progress(_("{demands} demands, {units} units; building the compatibility graph").format(
        demands=num(len(kept)), units=num(int(keep_u.sum()))))
    problem = without_refused_offers(build_problem(round_territory), state.refused_pairs)
    params = round_params(params, time_limit, workers)
    options = ShortlistParams(exact=SHORTLIST_MODES[shortlists])
    attempts = carry_attempts(accounts, problem.quotas, True, strict_flows=True)
    tried: list[dict] = []
    last_error: Exception | None = None
    for mode, carry in attempts:
        if carry in tried:
            continue
        tried.append(carry)
        candidate = problem.with_carry(carry)
        extra = {"ledger": {"year": day.year, "carry_mode": mode,
                            "year_attributions": len(state.year_attributions),
                            "excluded_units": int((~keep_u).sum()),
                            "excluded_demands": int((~keep_d).sum()),
                            "refusals_added": int((refusals - export).sum())}}
        try:
            folder, result, computed = run(
                candidate, out, params=params, seed=seed, solve=solve, force=force,
                options=options, price_quotas=price_quotas, source_label=label,
                progress=progress, observed_waits=waits, extra_options=extra,
                csv_dialect=csv_dialect, names=names)
        except (PolicyInfeasible, NoSolutionInTime) as exc:
            # As in the simulated year: a carry no allocation of this round meets is
            # relaxed to the next attempt; without a carry the error stands.
            if not carry:
                raise
            last_error = exc
            progress(_("the year-to-date carry ({mode}) cannot hold in this round; "
                       "relaxing").format(mode=mode))
            continue
        break
    else:  # pragma: no cover — the last attempt has no carry and raises
        raise last_error  # type: ignore[misc]
    manifest = (Path(folder) / "manifest.json").read_text(encoding="utf-8")
    t1, c1 = time.perf_counter(), time.process_time()
    with ledger.writing() as conn:
        existing = live_round(conn, name, day)     # again, under the lock
        _check_resolvable(existing, supersede)
        stamp = now()
        round_id = conn.execute(schema.rounds.insert().values(
            territory=name, round_date=day, year=day.year, status="proposed",
            units=len(u), demands=len(d), units_let=len(result.arcs),
            excluded_units=int((~keep_u).sum()), excluded_demands=int((~keep_d).sum()),
            carry_mode=mode, policy_toml=policy_text, manifest=manifest, created_at=stamp,
            created_by=ledger.user, changed_at=stamp, changed_by=ledger.user)
        ).inserted_primary_key[0]
        if existing is not None:
            conn.execute(schema.rounds.update().where(schema.rounds.c.id == existing["id"])
                         .values(status="superseded", superseded_by=round_id,
                                 changed_at=stamp, changed_by=ledger.user))
        snapshot_territory(conn, loaded, round_id, q1=None)
        a, s = computed.tables["assignments"], computed.tables["shortlists"]
        rows = [{"round_id": round_id, "kind": "assignment", "unit_id": str(x.unit_id),
                 "demand_id": str(x.demand_id), "reservataire": str(x.reservataire or ""),
                 "rank": 0, "score": int(x.score)} for x in a.itertuples()]
        rows += [{"round_id": round_id, "kind": "shortlist", "unit_id": str(x.unit_id),
                  "demand_id": str(x.demand_id), "reservataire": str(x.reservataire or ""),
                  "rank": int(x.rank), "score": int(x.score)} for x in s.itertuples()]
        if rows:
            conn.execute(schema.proposals.insert(), rows)
        ledger.audit(conn, "solve", {"round_date": day.isoformat(), "carry_mode": mode,
                                     "units_let": len(result.arcs),
                                     "superseded": existing["id"] if existing else None,
                                     "proposals": len(rows)}, round_id=round_id)
    progress(_("ledger: round {id} stored in {seconds} s").format(
        id=round_id, seconds=num(time.perf_counter() - t1, 2)))
    return LedgerSolveSummary(
        solve=summary_of(folder, computed), round_id=round_id, year=day.year,
        carry_mode=mode, excluded_units=int((~keep_u).sum()),
        excluded_demands=int((~keep_d).sum()),
        refusals_added=int((refusals - export).sum()),
        year_attributions=len(state.year_attributions),
        superseded=existing["id"] if existing else None,
        ledger_seconds=round(read_seconds + time.perf_counter() - t1, 3),
        ledger_cpu_seconds=round(read_cpu + time.process_time() - c1, 3))


def round_table(ledger: Ledger) -> list[dict]:
    """Every round of the ledger (newest first), without the stored texts."""
    r = schema.rounds
    cols = [c for c in r.c if c.name not in ("policy_toml", "manifest")]
    with ledger.reading() as conn:
        return [dict(x) for x in conn.execute(sa.select(*cols).order_by(
            r.c.round_date.desc(), r.c.id.desc())).mappings()]


#: A round's status in words, for people (the ledger keeps the codes).
STATUS_LABELS = {"proposed": N_("proposed"), "decided": N_("decided"), "closed": N_("closed"),
                 "superseded": N_("superseded")}


def status_label(status: str) -> str:
    """A round's status in the current language."""
    return _(STATUS_LABELS.get(status, status))


def close_round(ledger: Ledger, round_id: int) -> str:
    """``decided`` → ``closed`` (a round still ``proposed`` can be closed too: its units
    were not taken up). Returns the previous status."""
    r = schema.rounds
    with ledger.writing() as conn:
        status = conn.execute(sa.select(r.c.status).where(r.c.id == round_id)).scalar()
        if status is None:
            raise LedgerError(_("The ledger has no round {id}.").format(id=round_id))
        if status in ("closed", "superseded"):
            raise LedgerError(_("Round {id} is already {status}.").format(
                id=round_id, status=status_label(status)))
        conn.execute(r.update().where(r.c.id == round_id).values(
            status="closed", changed_at=now(), changed_by=ledger.user))
        ledger.audit(conn, "close", {"from": status}, round_id=round_id)
    return status


def manifest_of(ledger: Ledger, round_id: int) -> dict:
    with ledger.reading() as conn:
        text = conn.execute(sa.select(schema.rounds.c.manifest).where(
            schema.rounds.c.id == round_id)).scalar()
    if text is None:
        raise LedgerError(_("The ledger has no round {id}.").format(id=round_id))
    return json.loads(text)
