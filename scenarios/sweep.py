"""``attribution sweep``: one scenario over a range of one policy parameter, on Dask.

``--set KEY=START:STOP:STEP`` (STOP included) makes one variant of the scenario file per
value — ``quotas.priority_min=0.25:0.45:0.05`` gives five — by setting ``KEY`` in the file
before it is read, so every value is checked exactly as a hand-written file would be. A
key whose first part is not a section of the file (``scenario``, ``territory``,
``policy``, ``supply``, ``demand``, ``simulation``) is a policy override:
``quotas.priority_min`` means ``policy.quotas.priority_min``; ``supply.units_per_month``
or ``demand.lapse_rate`` are taken as they are. Integer bounds and step give integer values
(``cotation.points_per_month=1:3:1``).

Every variant runs with the same seeds (common random numbers), as in ``compare``, so the
first value is the reference of ``differences.csv``. The results folder holds what
``compare`` writes plus ``sweep.csv`` (one row per value × KPI × group × period) and
``sweep.html``, the trade-off page: the priority share against the median wait of the
other households, the Q1 share outside QPV, and the attributions per commune, each value
with its 95 % interval.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd

from attribution.models.errors import DataError, Problem
from attribution.models.i18n import _, ngettext
from attribution.reporting.pages import webpage
from attribution.reporting.files.atomic import check_target
from attribution.reporting.files.csv_safe import neutralise_frame

from .batch import BatchResult, run_batch
from .charts import xy_chart
from .commands import prepare_all
from .year_kpis import FEW_SEEDS, HORIZON, summarise
from .output import write_results
from .page import _CSS, HEADLINE, _fmt, _get, label, scroll, seeds_warning
from .spec import SECTIONS, Scenario, parse_scenario, resolve_scenario_path

#: Most values one sweep may have.
MAX_VALUES = 50
SWEEP_COLUMNS = ["key", "value", "scenario", "period", "kpi", "group", "n", "mean", "ci_low",
                 "ci_high", "flag"]


@dataclass(frozen=True)
class SweepSpec:
    """A parsed ``--set``: the key as written, its path in the file, the values."""

    key: str
    path: tuple[str, ...]
    values: tuple[float | int, ...]


def parse_set(text: str) -> SweepSpec:
    """``KEY=START:STOP:STEP`` → :class:`SweepSpec` (raises ValueError with a sentence)."""
    if "=" not in text:
        raise ValueError(_("Expected KEY=START:STOP:STEP (e.g. quotas.priority_min="
                           "0.25:0.45:0.05); got '{text}'.").format(text=text))
    key, _eq, spec = text.partition("=")
    key = key.strip()
    parts = spec.split(":")
    if not key or len(parts) != 3:
        raise ValueError(_("Expected KEY=START:STOP:STEP; got '{text}'.").format(text=text))
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise ValueError(_("Expected three numbers START:STOP:STEP after '{key}='; got "
                           "'{spec}'.").format(key=key, spec=spec)) from None
    start, stop, step = numbers
    if step <= 0 or stop < start:
        raise ValueError(_("Expected STEP > 0 and STOP ≥ START; got '{spec}'.").format(
            spec=spec))
    count = int(np.floor((stop - start) / step + 1e-9)) + 1
    if count > MAX_VALUES:
        raise ValueError(_("Expected at most {max} values; '{spec}' gives {n}.").format(
            max=MAX_VALUES, spec=spec, n=count))
    integer = all(p.strip().lstrip("+-").isdigit() for p in parts)
    values = tuple(int(round(start + i * step)) if integer else round(start + i * step, 10)
                   for i in range(count))
    path = tuple(key.split("."))
    if path[0] not in SECTIONS:
        path = ("policy",) + path
    return SweepSpec(key, path, values)


def variants(scenario_path: str | Path, spec: SweepSpec) -> list[Scenario]:
    """One checked scenario per value (raises DataError with every problem)."""
    path = resolve_scenario_path(scenario_path)
    if not path.is_file():
        raise DataError([Problem(path.name, None, None, _(
            "Expected a scenario file; '{path}' does not exist.").format(path=path))])
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DataError([Problem(path.name, None, None, _(
            "Expected valid TOML; got {error}.").format(error=exc))])
    base_name = raw.get("scenario", {}).get("name", path.stem)
    out, problems = [], []
    for value in spec.values:
        data = copy.deepcopy(raw)
        node = data
        for part in spec.path[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise DataError([Problem(path.name, None, spec.key, _(
                    "Expected a table at '{part}' to set '{key}' in; got a value.").format(
                    part=part, key=spec.key))])
        node[spec.path[-1]] = value
        data.setdefault("scenario", {})["name"] = f"{base_name} {spec.path[-1]}={value:g}"
        try:
            out.append(parse_scenario(data, path.name, path.parent, default_name=path.stem))
        except DataError as exc:
            problems += [p for p in exc.problems if p not in problems]
    if problems:
        raise DataError(problems)
    return out


def run_sweep(scenario: str | Path, set_text: str, out: str | Path, *,
              seeds: int | None = None, first_seed: int | None = None,
              months: int | None = None, years: int | None = None,
              round_time_limit: float | None = None, workers: int | None = None,
              scheduler: str | None = None, force: bool = False,
              progress: Callable[[str], None] | None = None) -> BatchResult:
    """Run the sweep and write its results folder (see the module docstring).

    Raises
    ------
    ValueError
        ``set_text`` is not KEY=START:STOP:STEP (a usage error).
    DataError
        A variant of the scenario is invalid (e.g. a share above 1), or the base.
    reporting.files.atomic.ResultsFolderError
        ``out`` cannot be written.
    """
    spec = parse_set(set_text)
    check_target(out, force)
    say = progress or (lambda _line: None)
    scenarios = [s.with_simulation(seeds=seeds, first_seed=first_seed, months=months,
                                   years=years, round_time_limit_s=round_time_limit)
                 for s in variants(scenario, spec)]
    problems = [p for s in scenarios for p in s.simulation.problems(s.file)]
    if problems:
        raise DataError(problems[:1])
    prepared = prepare_all(scenarios)
    seed_list = list(scenarios[0].simulation.seed_list)
    sim = scenarios[0].simulation
    say(_("Sweep of {key} over {values}: {variants} variant(s) × {seeds} seed(s) × {months} "
          "months ({horizon})").format(key=spec.key,
                                       values=", ".join(f"{v:g}" for v in spec.values),
                                       variants=len(prepared), seeds=len(seed_list),
                                       months=sim.rounds, horizon=sim.horizon))
    if len(seed_list) < FEW_SEEDS:
        say(_("Warning: only {n} seed(s): the confidence intervals are indicative.").format(
            n=len(seed_list)))
    batch = run_batch(prepared, seed_list, workers=workers, scheduler=scheduler, progress=say)
    summary = summarise(batch.kpis)
    names = [s.name for s in scenarios]
    table = sweep_table(summary, spec, names)
    title = _("Sweep — {name}, {key}").format(name=Path(str(scenario)).stem, key=spec.key)
    page = render_sweep(title, spec, names, summary, sim.horizon, len(seed_list),
                        sim.rounds / 12)
    write_results(out, prepared, batch, seed_list, title, force=force,
                  sources={s.name: resolve_scenario_path(scenario) for s in scenarios},
                  extra={"sweep.csv": neutralise_frame(table).to_csv(index=False,
                                                                        lineterminator="\n"),
                         "sweep.html": page})
    return batch


def sweep_table(summary: pd.DataFrame, spec: SweepSpec, names: list[str]) -> pd.DataFrame:
    """``sweep.csv``: the summary with the swept key and value in front."""
    value = dict(zip(names, spec.values))
    t = summary[summary["scenario"].isin(names)].copy()
    t.insert(0, "value", t["scenario"].map(value))
    t.insert(0, "key", spec.key)
    return t[SWEEP_COLUMNS].reset_index(drop=True)


def _point(summary, name, kpi, group, scale: float = 1.0) -> tuple[float, float, float]:
    m, lo, hi = _get(summary, name, kpi, group)
    return m * scale, lo * scale, hi * scale


def render_sweep(title: str, spec: SweepSpec, names: list[str], summary: pd.DataFrame,
                 horizon: str, n_seeds: int, years: float) -> str:
    """The trade-off page, in the current language, self-contained (inline CSS and SVG)."""
    s = summary[summary["period"] == HORIZON]
    leaf = spec.path[-1]
    trade = []
    for name, value in zip(names, spec.values):
        x = _point(s, name, "priority_share", "all")
        y = _point(s, name, "wait_months", "other")
        trade.append({"x": x[0], "xlo": x[1], "xhi": x[2], "y": y[0], "ylo": y[1],
                      "yhi": y[2], "label": f"{value:g}"})
    q1 = []
    for name, value in zip(names, spec.values):
        m, lo, hi = _point(s, name, "q1_outside_qpv_share", "all")
        q1.append({"x": float(value), "y": m, "ylo": lo, "yhi": hi})
    communes = sorted({g.split("=", 1)[1] for g in s.loc[s["kpi"] == "attributions", "group"]
                       if g.startswith("commune=")})
    per_year = 1 / years if years > 0 else 1.0
    by_commune = {c: [{"x": float(v), **dict(zip(("y", "ylo", "yhi"), _point(
        s, n, "attributions", f"commune={c}", per_year)))} for n, v in zip(names, spec.values)]
                  for c in communes}
    rows = []
    for kpi, group, _label, share in HEADLINE:
        cells = "".join(f"<td>{_fmt(*_get(s, n, kpi, group), share)}</td>" for n in names)
        rows.append(f"<tr><td>{escape(label(kpi, group))}</td>{cells}</tr>")
    commune_rows = []
    for c in communes:
        cells = "".join(f"<td>{_fmt(*_point(s, n, 'attributions', f'commune={c}', per_year), False)}"
                        f"</td>" for n in names)
        commune_rows.append(f"<tr><td>{escape(c)}</td>{cells}</tr>")
    head = "".join(f"<th>{escape(leaf)} = {v:g}</th>" for v in spec.values)
    values = ", ".join(f"{v:g}" for v in spec.values)
    lead = escape(ngettext(
        "The scenario replayed for every value of {key} ({values}), horizon {horizon}, {n} "
        "seed common to every value. Monte-Carlo means and 95 % confidence intervals (bars). "
        "Paired differences from the first value: differences.csv and report.html; figures: "
        "sweep.csv.",
        "The scenario replayed for every value of {key} ({values}), horizon {horizon}, {n} "
        "seeds common to every value. Monte-Carlo means and 95 % confidence intervals "
        "(bars). Paired differences from the first value: differences.csv and report.html; "
        "figures: sweep.csv.", n_seeds)).format(key=f"<b>{escape(spec.key)}</b>",
                                                values=escape(values),
                                                horizon=escape(horizon), n=n_seeds)
    per_year_label = _("Attributions per year")
    body = [
        f"<h1>{escape(title)}</h1><p class='sub'>{lead}</p>",
        seeds_warning(s),
        f"<h2>{escape(_('Priority share and the wait of other households'))}</h2>",
        xy_chart(_("Priority share and median wait of other households"),
                 {_("scenario"): trade}, _("Priority or DALO share of attributions"),
                 _("Median wait of other households housed (months)"), x_percent=True),
        "<p class='note'>" + escape(_("Each point is a value of {key} (label).").format(
            key=leaf)) + "</p>",
        f"<h2>{escape(_('First-quartile households outside QPV'))}</h2>",
        xy_chart(_("Q1 (or ANRU) share of attributions outside QPV"),
                 {_("Q1 outside QPV"): q1}, spec.key, _("Q1 or ANRU share outside QPV"),
                 y_percent=True, hline=0.25, hline_label=_("legal floor 25 %")),
        f"<h2>{escape(_('Attributions per commune (per year)'))}</h2>",
        xy_chart(_("Attributions per commune and per year"), by_commune, spec.key,
                 per_year_label),
        scroll(f"<table><tr><th>{escape(_('Commune'))}</th>{head}</tr>"
               f"{''.join(commune_rows)}</table>"),
        f"<h2>{escape(_('Key figures'))}</h2>",
        scroll(f"<table><tr><th>{escape(_('Indicator'))}</th>{head}</tr>"
               f"{''.join(rows)}</table>"),
        "<p class='note'>" + escape(_("Method: docs/scenarios.md (sweeps).")) + "</p>",
    ]
    return webpage.page(title, "".join(body), extra_css=_CSS)
