"""Read ``policy.toml`` into the dataclasses of :mod:`models.policy`, collecting every problem.

:func:`parse_policy` checks the whole document before building anything: unknown keys
(with the closest valid key suggested), wrong types, shares outside [0, 1], ``min > max``,
a landlord's flow shares summing above 1, flows naming an unknown réservataire, a
``ceilings_year`` without a table, typology grids. Columns named by the policy are checked
against the demands' header later, by :func:`check_columns`, once the header is known.
Policy keys are reported dotted (``quotas.priority_min``); entries of an array of tables
are numbered from 1 as they appear in the file (``flows[3].share``).
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .cells import suggest
from ..errors import DataError, Problem
from ..i18n import _
from ..policy import (TYPOLOGIES, Cotation, Eligibility, Flow, Policy, Quotas, Reservataire,
                      Rubric, SpatialBalance, TerritoryInfo)
from .policy_keys import KEYS, PolicyKeys

FILE = "policy.toml"


@dataclass(frozen=True)
class PolicyRead:
    """Outcome of reading a policy: the policy (``None`` if any problem) and the problems.

    ``communes``, ``landlords``, ``reservataires`` and ``round_date`` are what could be
    read even from a broken file (``None`` when unusable), so that the tables can still be
    checked against them and every problem is reported in one pass.
    """

    policy: Policy | None
    problems: tuple[Problem, ...]
    communes: tuple[str, ...] | None = None
    landlords: tuple[str, ...] | None = None
    reservataires: tuple[str, ...] | None = None
    round_date: dt.date | None = None
    uses: tuple[tuple[str, str], ...] = ()  # (policy key, demand column it names)

    @classmethod
    def of(cls, policy: Policy) -> PolicyRead:
        """Wrap an already valid :class:`Policy` (e.g. one built in code)."""
        return cls(policy, (), policy.territory.communes, policy.landlords,
                   policy.reservataire_ids, policy.territory.round_date,
                   column_uses(policy.reservataires, policy.cotation))


def read_policy(path: str | Path, *, name: str | None = None) -> PolicyRead:
    """Read and check a ``policy.toml`` file.

    Parameters
    ----------
    path
        The TOML file.
    name
        Territory name to use when ``territory.name`` is absent (default: folder name).
    """
    path = Path(path)
    file = path.name
    if not path.is_file():
        return PolicyRead(None, (Problem(file, None, None, _("the file is missing")),))
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        return PolicyRead(None, (Problem(file, None, None,
                                         _("is not UTF-8 text; save it as UTF-8")),))
    if not text.strip():
        return PolicyRead(None, (Problem(file, None, None, _("the file is empty")),))
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"at line (\d+)", str(exc))
        return PolicyRead(None, (Problem(file, int(line.group(1)) if line else None, None,
                                         _("is not valid TOML: {error}").format(
                                             error=exc)),))
    except ValueError as exc:  # an integer of more than 4,300 digits
        what = (_("holds a number with thousands of digits; expected values of a policy")
                if "digits" in str(exc) else _("cannot be read ({error})").format(error=exc))
        return PolicyRead(None, (Problem(file, None, None, what),))
    except RecursionError:  # tomllib recurses once per nesting level of arrays and tables
        return PolicyRead(None, (Problem(file, None, None, _(
            "has arrays or tables nested too deeply to read; a policy nests a few levels at "
            "most")),))
    return parse_policy(data, file=file, name=name or path.parent.name)


def load_policy(path: str | Path) -> Policy:
    """Read a ``policy.toml`` file; raise :class:`DataError` listing every problem."""
    read = read_policy(path)
    if read.policy is None:
        raise DataError(read.problems)
    return read.policy


def parse_policy(data: dict, *, file: str = FILE, name: str = "") -> PolicyRead:
    """Check a decoded TOML document and build the :class:`Policy` if it is valid."""
    k = PolicyKeys(file)
    k.known(data, "", set(KEYS[""]))
    terr = _territory(k, k.table(data, "territory", required=True), name)
    qt = k.table(data, "quotas")
    quotas = Quotas(**{q: k.share(qt, "quotas", q) for q in KEYS["quotas"]})
    reservataires = _reservataires(k, data)
    ids = tuple(r.id for r in reservataires)
    flows = _flows(k, data, set(ids))
    spatial = _spatial(k, data)
    eligibility = _eligibility(k, k.table(data, "eligibility"))
    cotation = _cotation(k, k.table(data, "cotation"))
    landlords = tuple(dict.fromkeys((*terr["landlords"], *(f.landlord for f in flows))))
    policy = None
    if not k.problems:
        info = TerritoryInfo(**{**terr, "landlords": tuple(terr["landlords"])})
        policy = Policy(info, quotas, reservataires, flows, spatial, eligibility, cotation)
    return PolicyRead(policy, tuple(k.problems), terr["communes"], landlords, ids,
                      terr["round_date"], column_uses(reservataires, cotation))


def column_uses(reservataires: Iterable[Reservataire],
                cotation: Cotation) -> tuple[tuple[str, str], ...]:
    """Every (policy key, demand column) pair where the policy names a demand column."""
    uses = [(f"reservataires[{i}].eligible_if_any", c)
            for i, r in enumerate(reservataires, 1) for c in r.eligible_if_any]
    uses += [(f"cotation.bonus.{c}", c) for c in cotation.bonus]
    uses += [(f"cotation.rubric[{i}].points.{c}", c)
             for i, r in enumerate(cotation.rubrics, 1) for c in r.points]
    return tuple(uses)


def check_columns(uses: Iterable[tuple[str, str]], numeric: Iterable[str], present: Iterable[str],
                  *, file: str = FILE, table: str = "demands.csv") -> list[Problem]:
    """Problems for policy keys naming demand columns that are absent or not numeric.

    Parameters
    ----------
    uses
        (policy key, column) pairs, as :attr:`PolicyRead.uses`.
    numeric
        Columns of the demands usable as criteria (bool or number columns).
    present
        Every column of the demands' header.
    """
    numeric, present = set(numeric), set(present)
    problems = []
    for key, col in uses:
        if col not in present:
            problems.append(Problem(file, None, key, _(
                "names the column '{column}', which {table} does not have{hint}").format(
                column=col, table=table, hint=suggest(col, sorted(numeric)))))
        elif col not in numeric:
            problems.append(Problem(file, None, key, _(
                "names the column '{column}' of {table}, which holds neither numbers nor "
                "true/false").format(column=col, table=table)))
    return problems


def _territory(k: PolicyKeys, t: dict, default_name: str) -> dict:
    p = "territory"
    if not t:  # absent or not a table: reported once already, not key by key
        return {"name": default_name, "communes": None, "round_date": None,
                "ceilings_year": None, "q1_threshold": None, "landlords": ()}
    communes = k.names(t, p, "communes", required=True, fold=True)
    if communes == ():
        k.err(f"{p}.communes", _("must list at least one commune"))
    out = {
        "name": k.get(t, p, "name", str, default=default_name),
        "communes": communes,
        "round_date": k.date(t, p, "round_date"),
        "ceilings_year": k.get(t, p, "ceilings_year", int, required=True),
        "q1_threshold": k.q1(t, p),
        "landlords": k.names(t, p, "landlords", fold=True) or (),
    }
    year = out["ceilings_year"]
    if year is not None:
        try:
            from ..ceilings import available_years
        except ImportError:  # ceilings tables not installed yet: nothing to check against
            available_years = None
        if available_years is not None and year not in set(available_years()):
            years = ", ".join(str(y) for y in sorted(available_years()))
            k.err(f"{p}.ceilings_year", _(
                "has no income-ceiling table for {year}; tables exist for {years}").format(
                year=year, years=years))
    return out


def _reservataires(k: PolicyKeys, data: dict) -> tuple[Reservataire, ...]:
    entries = k.array(data, "reservataires", required=True)
    if data.get("reservataires") is not None and not entries:
        k.err("reservataires", _("needs at least one [[reservataires]] entry"))
    out, seen, folded = [], set(), {}
    for i, e in enumerate(entries, 1):
        p = f"reservataires[{i}]"
        rid = k.get(e, p, "id", str, required=True)
        cols = k.names(e, p, "eligible_if_any") or ()
        if rid in seen:
            k.err(f"{p}.id", _("repeats the réservataire '{id}'").format(id=rid))
        elif rid is not None and rid.strip().casefold() in folded:
            k.err(f"{p}.id", _(
                "repeats the réservataire '{first}' as '{id}': ids differing only by case or "
                "spaces are the same id").format(first=folded[rid.strip().casefold()], id=rid))
        if rid:
            seen.add(rid)
            folded.setdefault(rid.strip().casefold(), rid)
            out.append(Reservataire(rid, cols))
    return tuple(out)


def _flows(k: PolicyKeys, data: dict, ids: set[str]) -> tuple[Flow, ...]:
    out, pairs, totals = [], set(), {}
    for i, e in enumerate(k.array(data, "flows"), 1):
        p = f"flows[{i}]"
        landlord = k.get(e, p, "landlord", str, required=True)
        res = k.get(e, p, "reservataire", str, required=True)
        share = k.share(e, p, "share", required=True)
        tol = k.share(e, p, "tolerance")
        if res is not None and ids and res not in ids:
            k.err(f"{p}.reservataire", _(
                "names '{name}', which is not a [[reservataires]] id{hint}").format(
                name=res, hint=suggest(res, sorted(ids))))
        if None not in (landlord, res) and (landlord, res) in pairs:
            k.err(f"{p}.reservataire", _("repeats the flow {landlord} → {reservataire}").format(
                landlord=landlord, reservataire=res))
        pairs.add((landlord, res))
        if None not in (landlord, res, share):
            totals[landlord] = totals.get(landlord, 0.0) + share
            out.append(Flow(landlord, res, share, 0.0 if tol is None else tol))
    for landlord, total in totals.items():
        if total > 1 + 1e-9:
            k.err("flows.share", _(
                "the shares of landlord '{landlord}' sum to {total}, above 1").format(
                landlord=landlord, total=f"{total:.4g}"))
    return tuple(out)


def _spatial(k: PolicyKeys, data: dict) -> SpatialBalance | None:
    if data.get("spatial_balance") is None:
        return None
    t, p = k.table(data, "spatial_balance"), "spatial_balance"
    slack = k.get(t, p, "slack_units", int, default=1)
    if slack is not None and slack < 0:
        k.err(f"{p}.slack_units", _("must be ≥ 0; got {value}").format(value=slack))
    return SpatialBalance(1 if slack is None else slack, k.interval(t, p, "q1_share"),
                          k.interval(t, p, "priority_share"))


def _eligibility(k: PolicyKeys, t: dict) -> Eligibility:
    p = "eligibility"
    burden = k.get(t, p, "max_rent_burden", float)
    if burden is not None and not 0 < burden <= 1:
        k.err(f"{p}.max_rent_burden", _("must be a share in (0, 1]; got {value}").format(
            value=burden))
    grid = {}
    raw = t.get("typology_by_size")
    if raw is not None and not isinstance(raw, dict):
        k.err(f"{p}.typology_by_size", _("must be a table such as {example}").format(
            example='{ 1 = ["T1", "T2"], ... }'))
    elif raw is not None:
        for key, value in raw.items():
            if key not in {"1", "2", "3", "4", "5", "6"}:
                k.err(f"{p}.typology_by_size", _(
                    "has the household size '{size}'; sizes are 1 to 6 (6 stands for 6 "
                    "persons and more)").format(size=key))
                continue
            typos = k.names(raw, f"{p}.typology_by_size", key, required=True) or ()
            wrong = [x for x in typos if x not in TYPOLOGIES]
            if wrong:
                k.err(f"{p}.typology_by_size.{key}", _(
                    "has {wrong}; typologies are {typologies}").format(
                    wrong=", ".join(map(repr, wrong)), typologies=", ".join(TYPOLOGIES)))
            grid[int(key)] = typos
        missing = sorted({1, 2, 3, 4, 5, 6} - set(grid) - {int(x) for x in raw if x.isdigit()})
        if missing:
            k.err(f"{p}.typology_by_size", _(
                "gives no typologies for household size {sizes}").format(
                sizes=", ".join(map(str, missing))))
    return Eligibility(burden, dict(sorted(grid.items())))


def _cotation(k: PolicyKeys, t: dict) -> Cotation:
    p = "cotation"
    out = {name: k.get(t, p, name, int, default=default) for name, default in
           (("points_per_month", 1), ("overdue_months", 36), ("overdue_bonus", 0),
            ("refusal_malus", 0))}
    if out["overdue_months"] is not None and out["overdue_months"] < 0:
        k.err(f"{p}.overdue_months", _("must be ≥ 0; got {value}").format(
            value=out["overdue_months"]))
    for name in ("points_per_month", "overdue_bonus", "refusal_malus"):
        if out[name] is not None and not k.in_range(f"{p}.{name}", out[name]):
            out[name] = None
    bonus = k.points(k.table(t, "bonus", prefix=p), f"{p}.bonus")
    rubrics = []
    for i, r in enumerate(k.array(t, "rubric", prefix=p), 1):
        rp = f"{p}.rubric[{i}]"
        rname = k.get(r, rp, "name", str, default=f"rubric {i}")
        points = k.points(k.table(r, "points", prefix=rp, required=True), f"{rp}.points")
        rubrics.append(Rubric(rname or f"rubric {i}", points))
    return Cotation(**{n: v for n, v in out.items() if v is not None}, bonus=bonus,
                    rubrics=tuple(rubrics))
