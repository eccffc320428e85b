"""Policy overrides of a scenario file: the ``[policy]`` table, in the shape of policy.toml.

A scenario changes the base territory's policy with keys that mirror ``policy.toml``
(TOML dotted keys and sub-tables are the same thing)::

    [policy]
    quotas.priority_min = 0.30            # a quota; "off" removes it
    cotation.bonus.dalo = 60              # one bonus column (0 = no bonus)
    cotation.refusal_malus = 20
    spatial_balance.q1_share = [0.20, 0.45]
    reservataires.action_logement.eligible_if_any = ["private_employee", "mutation"]

    [[policy.cotation.rubric]]            # when present, replaces every rubric
    name = "current housing"
    points = { homeless = 20, hosted = 10 }

    [[policy.flows]]                      # replaces (or adds) the (landlord, réservataire) flow
    landlord = "*"                        # "*" = every landlord that has this réservataire
    reservataire = "action_logement"
    share = 0.35

Keys are checked when the file is read (:func:`parse_overrides`); names that depend on the
territory (landlords, réservataires, criterion columns) when they are applied
(:func:`apply_overrides`). Every problem is one :class:`models.errors.Problem`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from attribution.models.errors import DataError
from attribution.models.i18n import _
from attribution.models.policy import TYPOLOGIES, Flow, Policy, Quotas, Rubric, SpatialBalance
from attribution.models.territory import Territory

from .checks import Collector, suggest

QUOTA_KEYS = tuple(f.name for f in dataclasses.fields(Quotas))
COTATION_INTS = ("points_per_month", "overdue_months", "overdue_bonus", "refusal_malus")
SECTIONS = ("territory", "quotas", "spatial_balance", "eligibility", "cotation", "flows",
            "reservataires")
OFF = "off"


@dataclass(frozen=True)
class FlowOverride:
    """A new share (and optionally tolerance) for one landlord × réservataire flow."""

    landlord: str          # "*" = every landlord holding a flow with this réservataire
    reservataire: str
    share: float
    tolerance: float | None = None


@dataclass(frozen=True)
class PolicyOverrides:
    """Validated overrides; ``values`` maps a dotted key to its new value (None = off)."""

    values: tuple[tuple[str, object], ...] = ()
    flows: tuple[FlowOverride, ...] = ()
    rubrics: tuple[Rubric, ...] | None = None

    def __bool__(self) -> bool:
        return bool(self.values or self.flows or self.rubrics is not None)


def parse_overrides(raw: dict, out: Collector, prefix: str = "policy") -> PolicyOverrides:
    """Check the ``[policy]`` table of a scenario file; problems go to ``out``."""
    out.unknown_keys(raw, SECTIONS, prefix)
    values: list[tuple[str, object]] = []
    _territory(out.table(raw, "territory", prefix), out, f"{prefix}.territory", values)
    quotas = out.table(raw, "quotas", prefix)
    out.unknown_keys(quotas, QUOTA_KEYS, f"{prefix}.quotas")
    for key in QUOTA_KEYS:
        if key in quotas:
            values.append((f"quotas.{key}", _share_or_off(quotas[key], out,
                                                         f"{prefix}.quotas.{key}")))
    _spatial(out.table(raw, "spatial_balance", prefix), out, f"{prefix}.spatial_balance", values)
    _eligibility(out.table(raw, "eligibility", prefix), out, f"{prefix}.eligibility", values)
    rubrics = _cotation(out.table(raw, "cotation", prefix), out, f"{prefix}.cotation", values)
    for rid, table in out.table(raw, "reservataires", prefix).items():
        key = f"{prefix}.reservataires.{rid}"
        if not isinstance(table, dict):
            out.add(key, _("Expected a table with 'eligible_if_any'; got {kind}.").format(
                kind=type(table).__name__))
            continue
        out.unknown_keys(table, ("eligible_if_any",), key)
        if "eligible_if_any" in table:
            cols = out.string_list(table["eligible_if_any"], f"{key}.eligible_if_any")
            if cols is not None:
                values.append((f"reservataires.{rid}.eligible_if_any", cols))
    return PolicyOverrides(tuple(values), _flows(raw.get("flows", []), out, f"{prefix}.flows"),
                           rubrics)


def _share_or_off(value, out: Collector, key: str):
    if value == OFF:
        return None
    if isinstance(value, str):
        out.add(key, _("Expected a share between 0 and 1 or \"off\"; got {value}.").format(
            value=repr(value)))
        return None
    return out.share(value, key)


def _territory(table: dict, out: Collector, prefix: str, values: list) -> None:
    out.unknown_keys(table, ("q1_threshold", "ceilings_year"), prefix)
    if "q1_threshold" in table:
        v = table["q1_threshold"]
        values.append(("territory.q1_threshold", None if v == "auto" else
                       out.number(v, f"{prefix}.q1_threshold", 0.0, strict_low=True)))
    if "ceilings_year" in table:
        values.append(("territory.ceilings_year",
                       out.number(table["ceilings_year"], f"{prefix}.ceilings_year", 2000,
                                  2100, integer=True)))


def _range_or_off(value, out: Collector, key: str):
    if value == OFF:
        return None
    if (not isinstance(value, list) or len(value) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
            or not 0 <= value[0] <= value[1] <= 1):
        out.add(key, _("Expected [min, max] with 0 ≤ min ≤ max ≤ 1 or \"off\"; got {value}.")
                .format(value=repr(value)))
        return None
    return (float(value[0]), float(value[1]))


def _spatial(table: dict, out: Collector, prefix: str, values: list) -> None:
    out.unknown_keys(table, ("slack_units", "q1_share", "priority_share"), prefix)
    if "slack_units" in table:
        values.append(("spatial_balance.slack_units",
                       out.number(table["slack_units"], f"{prefix}.slack_units", 0,
                                  integer=True)))
    for key in ("q1_share", "priority_share"):
        if key in table:
            values.append((f"spatial_balance.{key}",
                           _range_or_off(table[key], out, f"{prefix}.{key}")))


def _eligibility(table: dict, out: Collector, prefix: str, values: list) -> None:
    out.unknown_keys(table, ("max_rent_burden", "typology_by_size"), prefix)
    if "max_rent_burden" in table:
        v = table["max_rent_burden"]
        values.append(("eligibility.max_rent_burden", None if v == OFF else
                       out.number(v, f"{prefix}.max_rent_burden", 0.0, 1.0, strict_low=True)))
    grid = out.table(table, "typology_by_size", prefix)
    for size, typos in grid.items():
        key = f"{prefix}.typology_by_size.{size}"
        if not str(size).isdigit() or not 1 <= int(size) <= 6:
            out.add(key, _("Expected a household size 1 to 6 as key; got {value}.").format(
                value=repr(size)))
            continue
        typos = out.string_list(typos, key)
        bad = [t for t in typos or () if t not in TYPOLOGIES]
        if bad:
            out.add(key, _("Expected typologies among {typologies}; got {value}.").format(
                typologies=", ".join(TYPOLOGIES), value=repr(bad[0])))
        elif typos is not None:
            values.append((f"eligibility.typology_by_size.{int(size)}", typos))


def _cotation(table: dict, out: Collector, prefix: str, values: list) -> tuple | None:
    out.unknown_keys(table, COTATION_INTS + ("bonus", "rubric"), prefix)
    for key in COTATION_INTS:
        if key in table:
            values.append((f"cotation.{key}",
                           out.number(table[key], f"{prefix}.{key}", 0, integer=True)))
    for column, points in out.table(table, "bonus", prefix).items():
        values.append((f"cotation.bonus.{column}",
                       out.number(points, f"{prefix}.bonus.{column}", integer=True)))
    if "rubric" not in table:
        return None
    rubrics = []
    items = table["rubric"]
    if not isinstance(items, list):
        out.add(f"{prefix}.rubric", _("Expected [[policy.cotation.rubric]] tables; got a "
                                      "value."))
        return None
    for k, item in enumerate(items, start=1):
        key = f"{prefix}.rubric[{k}]"
        if not isinstance(item, dict):
            out.add(key, _("Expected a table with 'name' and 'points'."))
            continue
        out.unknown_keys(item, ("name", "points"), key)
        name = out.string(item.get("name"), f"{key}.name")
        points = out.table(item, "points", key)
        ints = {c: out.number(p, f"{key}.points.{c}", 0, integer=True) for c, p in points.items()}
        if not points:
            out.add(f"{key}.points", _("Expected at least one criterion with its points; got "
                                       "none."))
        if name is not None and points and None not in ints.values():
            rubrics.append(Rubric(name, ints))
    return tuple(rubrics)


def _flows(items, out: Collector, prefix: str) -> tuple[FlowOverride, ...]:
    if not isinstance(items, list):
        out.add(prefix, _("Expected [[policy.flows]] tables; got a single value."))
        return ()
    flows = []
    for k, item in enumerate(items, start=1):
        key = f"{prefix}[{k}]"
        if not isinstance(item, dict):
            out.add(key, _("Expected a table with landlord, reservataire and share."))
            continue
        out.unknown_keys(item, ("landlord", "reservataire", "share", "tolerance"), key)
        landlord = out.string(item.get("landlord"), f"{key}.landlord")
        res = out.string(item.get("reservataire"), f"{key}.reservataire")
        share = out.share(item.get("share"), f"{key}.share")
        tol = out.share(item["tolerance"], f"{key}.tolerance") if "tolerance" in item else None
        if None not in (landlord, res, share) and ("tolerance" not in item or tol is not None):
            flows.append(FlowOverride(landlord, res, share, tol))
    return tuple(flows)


def apply_overrides(territory: Territory, overrides: PolicyOverrides,
                    file: str = "scenario.toml") -> Territory:
    """Return ``territory`` with its policy changed by ``overrides``.

    Raises
    ------
    DataError
        When an override names a landlord, réservataire or demand column that the territory
        does not have, or leaves a landlord's flow shares summing above 1.
    """
    if not overrides:
        return territory
    out = Collector(file)
    policy = territory.policy
    for key, value in overrides.values:
        policy = _set(policy, key, value, territory, out)
    if overrides.rubrics is not None:
        for rubric in overrides.rubrics:
            _check_columns(rubric.points, territory, out, "policy.cotation.rubric")
        policy = _replace(policy, "cotation", rubrics=overrides.rubrics)
    if overrides.flows:
        policy = dataclasses.replace(policy, flows=_new_flows(policy, overrides.flows, out))
    if out.problems:
        raise DataError(out.problems)
    return dataclasses.replace(territory, policy=policy)


def _replace(policy: Policy, section: str, **changes) -> Policy:
    return dataclasses.replace(policy, **{section: dataclasses.replace(getattr(policy, section),
                                                                       **changes)})


def _set(policy: Policy, key: str, value, territory: Territory, out: Collector) -> Policy:
    parts = key.split(".")
    section = parts[0]
    if section == "spatial_balance":
        base = policy.spatial_balance or SpatialBalance()
        return dataclasses.replace(policy, spatial_balance=dataclasses.replace(
            base, **{parts[1]: value}))
    if section == "eligibility" and parts[1] == "typology_by_size":
        grid = dict(policy.eligibility.typology_by_size)
        grid[int(parts[2])] = value
        return _replace(policy, "eligibility", typology_by_size=grid)
    if section == "cotation" and parts[1] == "bonus":
        _check_columns({parts[2]: value}, territory, out, "policy.cotation.bonus")
        bonus = dict(policy.cotation.bonus)
        bonus[parts[2]] = value
        return _replace(policy, "cotation", bonus={c: p for c, p in bonus.items() if p})
    if section == "reservataires":
        ids = policy.reservataire_ids
        if parts[1] not in ids:
            out.add(f"policy.{key}", _(
                "Expected a réservataire of the policy ({names}){hint}; got '{value}'.").format(
                names=", ".join(ids), hint=suggest(parts[1], ids), value=parts[1]))
            return policy
        _check_columns(dict.fromkeys(value, 0), territory, out, f"policy.{key}")
        return dataclasses.replace(policy, reservataires=tuple(
            dataclasses.replace(r, eligible_if_any=value) if r.id == parts[1] else r
            for r in policy.reservataires))
    return _replace(policy, section, **{parts[1]: value})


def _check_columns(columns: dict, territory: Territory, out: Collector, key: str) -> None:
    for column in columns:
        if not territory.demands.has_column(column):
            known = list(territory.demands.criteria) + ["priority", "dalo", "disability",
                                                         "mutation", "anru"]
            out.add(f"{key}.{column}", _(
                "Expected a column of demands{hint}; got '{column}', which the demand file "
                "does not have.").format(hint=suggest(column, known), column=column))


def _new_flows(policy: Policy, changes: tuple[FlowOverride, ...],
               out: Collector) -> tuple[Flow, ...]:
    flows = list(policy.flows)
    landlords, ids = policy.landlords, policy.reservataire_ids
    for k, change in enumerate(changes, start=1):
        key = f"policy.flows[{k}]"
        if change.reservataire not in ids:
            out.add(f"{key}.reservataire", _(
                "Expected a réservataire of the policy ({names}){hint}; got '{value}'.").format(
                names=", ".join(ids), hint=suggest(change.reservataire, ids),
                value=change.reservataire))
            continue
        if change.landlord == "*":
            targets = sorted({f.landlord for f in flows if f.reservataire == change.reservataire},
                             key=landlords.index)
        elif change.landlord in landlords:
            targets = [change.landlord]
        else:
            out.add(f"{key}.landlord", _(
                "Expected a landlord of the policy or \"*\"{hint}; got '{value}'.").format(
                hint=suggest(change.landlord, landlords), value=change.landlord))
            continue
        for landlord in targets:
            hit = [i for i, f in enumerate(flows)
                   if f.landlord == landlord and f.reservataire == change.reservataire]
            if hit:
                old = flows[hit[0]]
                flows[hit[0]] = Flow(landlord, change.reservataire, change.share,
                                     old.tolerance if change.tolerance is None else change.tolerance)
            else:
                flows.append(Flow(landlord, change.reservataire, change.share,
                                  change.tolerance or 0.0))
    for landlord in landlords:
        total = sum(f.share for f in flows if f.landlord == landlord)
        if total > 1 + 1e-9:
            out.add("policy.flows", _(
                "Expected the flow shares of '{landlord}' to sum to at most 1 after the "
                "overrides; got {total}.").format(landlord=landlord, total=f"{total:.2f}"))
    return tuple(flows)
