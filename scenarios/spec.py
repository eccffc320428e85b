"""A scenario file (TOML): a base territory, policy overrides and simulation parameters.

The full format, with every default and where it comes from, is in ``docs/scenarios.md``;
the shipped examples are in ``scenarios/examples/``. :func:`load_scenario` reads and checks
a file (every problem at once, as :class:`models.errors.DataError`); :class:`Scenario` is a
frozen value that pickles, so it can be sent to a Dask worker as it is.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from attribution.models.errors import DataError, Problem
from attribution.models.i18n import _
from attribution.models.policy import FINANCINGS

from .checks import Collector
from .overrides import PolicyOverrides, parse_overrides

SECTIONS = ("scenario", "territory", "policy", "supply", "demand", "simulation")
#: Demand groups of the refusal model, tested in this order (the first that applies).
REFUSAL_GROUPS = ("dalo", "priority", "mutation", "other")
#: Illustrative refusal probabilities [K, NOT FOUND for CARENE]: (outside QPV, in QPV).
DEFAULT_REFUSALS = {"dalo": (0.10, 0.20), "priority": (0.15, 0.25),
                    "mutation": (0.30, 0.45), "other": (0.20, 0.35)}
EXAMPLES = Path(__file__).resolve().parent / "examples"


@dataclass(frozen=True)
class TerritorySource:
    """Where the base territory comes from.

    ``kind`` is ``"bundled"`` (the synthetic CARENE shipped with the package), ``"path"``
    (a territory folder) or ``"generate"`` (the generator, with ``seed``, ``n_demands``,
    ``n_units`` and ``profile``).
    """

    kind: str = "bundled"
    path: Path | None = None
    seed: int = 0
    n_demands: int = 6002
    n_units: int = 115
    profile: str = "carene"

    @property
    def label(self) -> str:
        if self.kind == "path":
            return str(self.path)
        if self.kind == "generate":
            return f"generated(seed={self.seed}, {self.n_demands}x{self.n_units})"
        return "bundled"


@dataclass(frozen=True)
class Supply:
    """Units freed each month (turnover): Poisson with mean ``units_per_month``.

    ``financing_mix`` (financing → share, summing to 1) replaces the base's mix; ``None``
    keeps the base territory's units as they are drawn.
    """

    units_per_month: float = 114.75   # 1,377 attributions in 2023 [S] / 12: fitted, see docs
    financing_mix: dict[str, float] | None = None


@dataclass(frozen=True)
class DemandFlow:
    """Arrivals (Poisson, per month; ``None`` = stationary pool) and the annual lapse rate.

    A demand is valid one year: at each anniversary of its registration it lapses with
    probability ``lapse_rate`` (not renewed) and is otherwise renewed, keeping its seniority.
    """

    arrivals_per_month: float | None = None
    lapse_rate: float = 0.20


@dataclass(frozen=True)
class RefusalModel:
    """Probability that an offer is refused, by demand group × unit location.

    ``probability[group] = (outside_qpv, in_qpv)`` for the groups of
    :data:`REFUSAL_GROUPS` (a demand takes the first group it belongs to).
    """

    probability: dict[str, tuple[float, float]] = field(
        default_factory=lambda: dict(DEFAULT_REFUSALS))


@dataclass(frozen=True)
class SimulationParams:
    """How the year is run.

    ``start = None`` starts at the base policy's round_date. The horizon is ``months``
    monthly rounds (one year or part of one) or, with ``years > 1``, ``12 × years`` rounds
    (``months`` must then be 12). ``max_offers`` is the number of
    successive candidates a freed unit is offered to within its round (the commission's
    ranked attribution). ``round_work_limit`` bounds each CP-SAT model of a solve by
    work (CP-SAT's deterministic seconds: the same decisions on any load);
    ``round_time_limit_s`` is the wall-clock safety net of each solve (a solve that comes
    near it is flagged, see :mod:`scenarios.rounds`); ``task_time_limit_s`` bounds one
    simulated horizon (checked between rounds).
    """

    start: dt.date | None = None
    months: int = 12
    years: int = 1
    seeds: int = 10
    first_seed: int = 0
    max_offers: int = 3
    carry_over: bool = True
    round_work_limit: float = 2.0
    round_time_limit_s: float = 300.0
    task_time_limit_s: float = 3600.0

    @property
    def seed_list(self) -> tuple[int, ...]:
        return tuple(range(self.first_seed, self.first_seed + self.seeds))

    @property
    def rounds(self) -> int:
        """Monthly rounds of the horizon."""
        return self.months if self.years == 1 else 12 * self.years

    @property
    def horizon(self) -> str:
        """The horizon in words, in the current language: "3 mois", "1 an", "6 ans"."""
        from attribution.models.i18n import _, ngettext
        if self.years > 1 or self.months == 12:
            return ngettext("{n} year", "{n} years", self.years).format(n=self.years)
        return _("{n} months").format(n=self.months)

    def problems(self, file: str) -> list[Problem]:
        """Inconsistent combinations (a year of 12 months is needed for several years)."""
        if self.years > 1 and self.months != 12:
            from attribution.models.i18n import _
            return [Problem(file, None, "simulation.months", _(
                "Expected 12 (whole years) when simulating {years} years; got {months}. Drop "
                "--months or set it to 12.").format(years=self.years, months=self.months))]
        return []


@dataclass(frozen=True)
class Scenario:
    """One scenario file, checked."""

    name: str
    description: str = ""
    territory: TerritorySource = TerritorySource()
    policy: PolicyOverrides = PolicyOverrides()
    supply: Supply = Supply()
    demand: DemandFlow = DemandFlow()
    refusals: RefusalModel = RefusalModel()
    simulation: SimulationParams = SimulationParams()
    file: str = "scenario.toml"

    def with_simulation(self, **changes) -> Scenario:
        """A copy with some simulation parameters changed (``None`` values are ignored)."""
        changes = {k: v for k, v in changes.items() if v is not None}
        return dataclasses.replace(
            self, simulation=dataclasses.replace(self.simulation, **changes))


def resolve_scenario_path(name: str | Path) -> Path:
    """A scenario file path, or the name of a shipped example (``baseline``)."""
    path = Path(name)
    if not path.exists() and (EXAMPLES / f"{path.stem}.toml").is_file() and path.parent == Path():
        return EXAMPLES / f"{path.stem}.toml"
    return path


def load_scenario(path: str | Path) -> Scenario:
    """Read and check a scenario file.

    Parameters
    ----------
    path
        A ``.toml`` file, or the name of a shipped example (``baseline``, ``priority-30``...).

    Raises
    ------
    DataError
        Every problem found in the file (unknown keys with suggestions, values out of range).
    """
    path = resolve_scenario_path(path)
    if not path.is_file():
        raise DataError([Problem(path.name, None, None, _(
            "Expected a scenario file; '{path}' does not exist (shipped examples: "
            "{examples}).").format(path=path, examples=", ".join(examples())))])
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DataError([Problem(path.name, None, None, _(
            "Expected valid TOML; got {error}.").format(error=exc))])
    except RecursionError:  # tomllib recurses once per nesting level
        raise DataError([Problem(path.name, None, None, _(
            "Expected valid TOML; got arrays or tables nested too deeply to read."))]) from None
    return parse_scenario(raw, path.name, path.parent, default_name=path.stem)


def examples() -> tuple[str, ...]:
    """Names of the shipped example scenarios."""
    return tuple(sorted(p.stem for p in EXAMPLES.glob("*.toml")))


def parse_scenario(raw: dict, file: str = "scenario.toml", base_dir: Path = Path("."),
                   default_name: str = "scenario") -> Scenario:
    """Check a parsed scenario table (see :func:`load_scenario`)."""
    out = Collector(file)
    out.unknown_keys(raw, SECTIONS, "")
    head = out.table(raw, "scenario", "")
    out.unknown_keys(head, ("name", "description"), "scenario")
    name = out.string(head.get("name", default_name), "scenario.name") or default_name
    description = head.get("description", "")
    if not isinstance(description, str):
        out.add("scenario.description", _("Expected a string; got {kind}.").format(
            kind=type(description).__name__))
        description = ""
    scenario = Scenario(
        name=name, description=description,
        territory=_territory(out.table(raw, "territory", ""), out, base_dir),
        policy=parse_overrides(out.table(raw, "policy", ""), out),
        supply=_supply(out.table(raw, "supply", ""), out),
        demand=_demand(out.table(raw, "demand", ""), out),
        refusals=_refusals(out.table(out.table(raw, "simulation", ""), "refusals", "simulation"),
                           out),
        simulation=_simulation(out.table(raw, "simulation", ""), out),
        file=file,
    )
    if out.problems:
        raise DataError(out.problems)
    return scenario


def _territory(t: dict, out: Collector, base_dir: Path) -> TerritorySource:
    out.unknown_keys(t, ("source", "generate"), "territory")
    gen = out.table(t, "generate", "territory")
    source = t.get("source", "generate" if gen else "bundled")
    if gen or source == "generate":
        out.unknown_keys(gen, ("seed", "demands", "units", "profile"), "territory.generate")
        d = TerritorySource("generate")
        seed = out.number(gen.get("seed", d.seed), "territory.generate.seed", 0, integer=True)
        nd = out.number(gen.get("demands", d.n_demands), "territory.generate.demands", 1,
                        integer=True)
        nu = out.number(gen.get("units", d.n_units), "territory.generate.units", 1, integer=True)
        profile = out.string(gen.get("profile", d.profile), "territory.generate.profile")
        return TerritorySource("generate", None, seed or 0, nd or 1, nu or 1, profile or "carene")
    if source == "bundled":
        return TerritorySource()
    if out.string(source, "territory.source") is None:
        return TerritorySource()
    folder = Path(source).expanduser()
    folder = folder if folder.is_absolute() else (base_dir / folder).resolve()
    if not folder.is_dir():
        out.add("territory.source", _("Expected \"bundled\" or a territory folder; '{folder}' "
                                      "is not a folder.").format(folder=folder))
    return TerritorySource("path", folder)


def _supply(t: dict, out: Collector) -> Supply:
    out.unknown_keys(t, ("units_per_month", "financing_mix"), "supply")
    units = out.number(t.get("units_per_month", Supply.units_per_month),
                       "supply.units_per_month", 0.0, strict_low=True)
    mix = None
    if "financing_mix" in t:
        table = out.table(t, "financing_mix", "supply")
        out.unknown_keys(table, FINANCINGS, "supply.financing_mix")
        mix = {f: out.share(v, f"supply.financing_mix.{f}") for f, v in table.items()
               if f in FINANCINGS}
        if None not in mix.values() and abs(sum(mix.values()) - 1.0) > 1e-6:
            out.add("supply.financing_mix", _("Expected shares summing to 1; got {total}.")
                    .format(total=f"{sum(mix.values()):.3f}"))
    return Supply(float(units or Supply.units_per_month), mix)


def _demand(t: dict, out: Collector) -> DemandFlow:
    out.unknown_keys(t, ("arrivals_per_month", "lapse_rate"), "demand")
    arrivals = t.get("arrivals_per_month", "stationary")
    if arrivals != "stationary":
        arrivals = out.number(arrivals, "demand.arrivals_per_month", 0.0)
    lapse = out.share(t.get("lapse_rate", DemandFlow.lapse_rate), "demand.lapse_rate")
    return DemandFlow(None if arrivals in ("stationary", None) else float(arrivals),
                      DemandFlow.lapse_rate if lapse is None else lapse)


def _refusals(t: dict, out: Collector) -> RefusalModel:
    out.unknown_keys(t, REFUSAL_GROUPS, "simulation.refusals")
    probability = dict(DEFAULT_REFUSALS)
    for group in REFUSAL_GROUPS:
        if group not in t:
            continue
        key = f"simulation.refusals.{group}"
        value = t[group]
        if isinstance(value, dict):
            out.unknown_keys(value, ("outside_qpv", "qpv"), key)
            outside = out.share(value.get("outside_qpv", probability[group][0]),
                                f"{key}.outside_qpv")
            inside = out.share(value.get("qpv", probability[group][1]), f"{key}.qpv")
        else:
            outside = inside = out.share(value, key)
        if outside is not None and inside is not None:
            probability[group] = (outside, inside)
    return RefusalModel(probability)


def _simulation(t: dict, out: Collector) -> SimulationParams:
    out.unknown_keys(t, [f.name for f in dataclasses.fields(SimulationParams)] + ["refusals"],
                     "simulation")
    d = SimulationParams()
    start = out.date(t["start"], "simulation.start") if "start" in t else None
    ints = {k: out.number(t.get(k, getattr(d, k)), f"simulation.{k}", low, integer=True)
            for k, low in (("months", 1), ("years", 1), ("seeds", 1), ("first_seed", 0),
                           ("max_offers", 1))}
    floats = {k: out.number(t.get(k, getattr(d, k)), f"simulation.{k}", 0.0, strict_low=True)
              for k in ("round_work_limit", "round_time_limit_s", "task_time_limit_s")}
    carry = out.boolean(t.get("carry_over", d.carry_over), "simulation.carry_over")
    values = {k: v for k, v in {**ints, **floats}.items() if v is not None}
    return dataclasses.replace(d, start=start, carry_over=d.carry_over if carry is None else carry,
                               **values)
