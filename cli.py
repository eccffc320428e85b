"""Command-line interface: ``attribution``. Only parses, calls and prints.

Exit codes (documented in the README):
0 success; 1 invalid input data; 2 usage error; 3 infeasible policy (hard quotas
conflict); 4 time limit reached without any allocation; 5 internal error.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

EXIT_OK, EXIT_DATA, EXIT_USAGE, EXIT_INFEASIBLE, EXIT_NO_SOLUTION, EXIT_INTERNAL = 0, 1, 2, 3, 4, 5


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("attribution")
    except PackageNotFoundError:  # running from a checkout without install
        return "0.1.0+checkout"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(_version(), prog_name="attribution")
def main() -> None:
    """Attribution optimisation solver for social housing.

    Reads a territory folder (demands.csv, units.csv, policy.toml), scores every demand,
    builds the compatibility graph, and allocates the freed units with a proven-optimal
    CP-SAT model under the policy's quotas.
    """


# --- commands are registered below, one block each -----------------------------------


# --- solve ---------------------------------------------------------------------------

def write_solve_results(out: Path, problem, result) -> None:
    """The first results folder: ``assignments.csv`` and ``kpis.json``, written into a
    temporary folder renamed into place (nothing half-written is ever left)."""
    import json
    import shutil
    import tempfile

    import pandas as pd

    t, g = problem.territory, problem.graph
    arcs = result.arcs
    u, d, r = g.unit[arcs], g.demand[arcs], g.reservataire[arcs]
    ids = t.policy.reservataire_ids
    table = pd.DataFrame({
        "unit_id": t.units.ids[u], "demand_id": t.demands.ids[d],
        "reservataire": [ids[k] if k >= 0 else "" for k in r.tolist()],
        "landlord": [t.policy.landlords[k] for k in t.units.landlord[u].tolist()],
        "commune": [t.policy.territory.communes[k] for k in t.units.commune[u].tolist()],
        "qpv": t.units.qpv[u], "score": problem.scores[d],
        "priority": problem.priority_group[d], "q1": problem.q1[d]})
    names = [lv.name for lv in result.levels]
    kpis = {"status": result.status, "objective": dict(zip(names, result.objective)),
            "bound": dict(zip(names, result.bound)), "gap": result.gap,
            "solve_seconds": round(result.solve_seconds, 3),
            "units_without_quotas": result.units_without_quotas,
            "units_lost_to_quotas": result.units_lost_to_quotas,
            "conflicts": [c.__dict__ for c in result.conflicts],
            "quotas": [q.as_dict() for q in result.quotas]}
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        table.to_csv(tmp / "assignments.csv", index=False, lineterminator="\n")
        (tmp / "kpis.json").write_text(json.dumps(kpis, indent=2, ensure_ascii=False,
                                                  default=str) + "\n", encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


@main.command()
@click.argument("territory", required=False,
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(path_type=Path),
              help="Results folder to write (replaced if it exists).")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=60.0,
              show_default=True, help="Wall-clock budget of the solve, in seconds.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="CP-SAT random seed; with one worker, the same seed gives the same "
                   "allocation.")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="CP-SAT search workers (1 = deterministic).")
def solve(territory: Path | None, out: Path, time_limit: float, seed: int,
          workers: int) -> None:
    """Allocate the units of one round under the policy's quotas, with a proven bound.

    Writes OUT/assignments.csv and OUT/kpis.json (status, objective and proven bound per
    level, gap, solve seconds, attainment of every quota row). Exit 3 when the hard
    quotas cannot hold, 4 when no allocation was found in time.
    """
    import optimizer
    from models.compatibility import build_problem
    from models.errors import DataError, PolicyInfeasible
    from models.readers import load_territory

    if territory is None:
        from models.generator import bundled_territory_path
        territory = bundled_territory_path()
    try:
        problem = build_problem(load_territory(territory))
    except DataError as exc:
        click.echo(f"{territory}: {len(exc.problems)} problem(s) found; nothing was solved.",
                   err=True)
        for item in exc.problems:
            click.echo(f"- {item}", err=True)
        raise SystemExit(EXIT_DATA)
    params = optimizer.SolveParams(time_limit=time_limit, workers=workers)
    try:
        result = optimizer.solve(problem, params, seed=seed)
    except PolicyInfeasible as exc:
        click.echo(f"The policy's hard quotas cannot all hold: {', '.join(exc.conflicts)}. "
                   f"{exc.detail}", err=True)
        raise SystemExit(EXIT_INFEASIBLE)
    except Exception as exc:  # noqa: BLE001 - a bug: say so without a traceback
        click.echo(f"Internal error (please report it): {type(exc).__name__}: {exc}",
                   err=True)
        raise SystemExit(EXIT_INTERNAL)
    if result.status == "NO_SOLUTION":
        click.echo(f"No allocation found within the time limit ({time_limit:g} s); nothing "
                   "was written.", err=True)
        raise SystemExit(EXIT_NO_SOLUTION)
    write_solve_results(out, problem, result)
    click.echo(result.summary())
    click.echo(f"Results written to {out}")


# --- validate ------------------------------------------------------------------------

@main.command()
@click.argument("territory", required=False,
                type=click.Path(exists=True, file_okay=False, path_type=Path))
def validate(territory: Path | None) -> None:
    """Check a territory folder and print a summary of it.

    TERRITORY holds demands and units (.csv, .parquet or .xlsx; CSV from French
    spreadsheets with ';' and Windows-1252 is read too) and policy.toml. Without it, the
    bundled CARENE-like territory is checked.

    Exit 0 when valid (summary on stdout: counts, shares of priority, Q1 and QPV, the Q1
    threshold used); exit 1 listing every problem on stderr, one per line, naming file,
    row and column.
    """
    from models.errors import DataError
    from models.readers import load_territory
    from models.validation_summary import summarise

    if territory is None:
        from models.generator import bundled_territory_path
        territory = bundled_territory_path()
    try:
        loaded = load_territory(territory)
        summary = summarise(loaded)
    except DataError as exc:
        n = len(exc.problems)
        click.echo(f"{territory}: {n} problem{'s' if n != 1 else ''} found; nothing was "
                   "validated.", err=True)
        for problem in exc.problems:
            click.echo(f"- {problem}", err=True)
        raise SystemExit(EXIT_DATA)
    click.echo(f"{territory}: territory '{summary.name}' is valid.")
    for line in summary.lines():
        click.echo(f"  {line}")


# --- generate ------------------------------------------------------------------------

@main.command()
@click.argument("out_dir", type=click.Path(path_type=Path))
@click.option("--seed", type=click.IntRange(min=0), default=2025, show_default=True,
              help="Random seed; the same seed and sizes give identical files.")
@click.option("--demands", "n_demands", type=click.IntRange(min=1), default=None,
              help="Pending demands [default: 6002 for carene, 60000 for metro].")
@click.option("--units", "n_units", type=click.IntRange(min=1), default=None,
              help="Freed units of the round [default: 115 for carene (a month), "
                   "13000 for metro; use 1377 for a CARENE year].")
@click.option("--profile", type=click.Choice(["carene", "metro"]), default="carene",
              show_default=True,
              help="carene: the 10 real communes and six landlords of CARENE; metro: a "
                   "made-up métropole of 30 communes and 12 landlords.")
@click.option("--round-date", type=click.DateTime(formats=["%Y-%m-%d"]), default="2025-03-01",
              show_default=True, help="Date of the round (YYYY-MM-DD).")
@click.option("--force", is_flag=True, help="Replace OUT_DIR if it exists and is not empty.")
def generate(out_dir: Path, seed: int, n_demands: int | None, n_units: int | None,
             profile: str, round_date, force: bool) -> None:
    """Write a synthetic territory (demands.csv, units.csv, policy.toml) to OUT_DIR.

    Households and units are synthetic, calibrated on the public figures of CARENE
    (docs/calibration.md); the cotation grid and flow shares are illustrative. The
    folder is written atomically (a temporary folder renamed into place); an existing
    non-empty OUT_DIR is refused unless --force.

    \b
    Examples:
      attribution generate carene-round
      attribution generate carene-year --units 1377
      attribution generate metro-year --profile metro --seed 7
    """
    from models.generator import PROFILES, write_territory

    prof = PROFILES[profile]
    n_demands = prof.default_n_demands if n_demands is None else n_demands
    n_units = prof.default_n_units if n_units is None else n_units
    try:
        write_territory(out_dir, seed, n_demands, n_units, round_date=round_date.date(),
                        profile=profile, overwrite=force)
    except FileExistsError as exc:
        raise click.UsageError(str(exc)) from None
    except OSError as exc:  # permission denied, disk full, ...
        raise click.UsageError(f"Cannot write the folder '{out_dir}': "
                               f"{exc.strerror or exc}.") from None
    click.echo(f"{out_dir}: {n_demands} demands, {n_units} units, profile {profile}, "
               f"seed {seed}, round {round_date.date().isoformat()}.")


# --- simulate and compare (scenarios) ------------------------------------------------

def _scenario_options(fn):
    """Options shared by ``simulate`` and ``compare`` (defined once)."""
    options = [
        click.option("--out", "out", required=True, type=click.Path(path_type=Path),
                     help="Results folder to write (atomically: all of it or nothing)."),
        click.option("--seeds", type=click.IntRange(min=1), default=None,
                     help="Monte-Carlo seeds [default: the scenario file's, 10]."),
        click.option("--first-seed", type=click.IntRange(min=0), default=None,
                     help="First seed; seeds are FIRST..FIRST+N-1 [default: the file's, 0]."),
        click.option("--months", type=click.IntRange(min=1), default=None,
                     help="Monthly rounds to simulate [default: the file's, 12]."),
        click.option("--time-limit", "round_time_limit", type=click.FloatRange(min=0.1),
                     default=None, help="Seconds per solve [default: the file's, 5]."),
        click.option("--workers", type=click.IntRange(min=0), default=None,
                     help="Local Dask worker processes [default: one per core]; 0 = run "
                          "serially without Dask."),
        click.option("--scheduler", default=None, metavar="ADDRESS",
                     help="Use an existing Dask scheduler (tcp://host:8786) instead of a "
                          "local cluster."),
        click.option("--force", is_flag=True, help="Replace OUT if it is a results folder."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _run_scenarios(paths, title: str, with_attributions: bool, **options) -> None:
    from models.errors import DataError
    from reporting.atomic import ResultsFolderError
    from scenarios.commands import run
    from scenarios.simulation import TaskTimeout

    def say(line: str) -> None:
        click.echo(line, err=True)

    try:
        batch = run(paths, title=title, with_attributions=with_attributions, progress=say,
                    **options)
    except DataError as exc:
        click.echo(f"{len(exc.problems)} problem(s) in the scenario input; nothing was "
                   "simulated.", err=True)
        for problem in exc.problems:
            click.echo(f"- {problem}", err=True)
        raise SystemExit(EXIT_DATA)
    except ResultsFolderError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"{options['out']}: {len(batch.years)} simulated years written "
               f"(kpis.csv, report.html) in {batch.seconds:.0f} s.")
    if len(batch.failures):
        click.echo(f"{len(batch.failures)} task(s) failed (see failures.csv):", err=True)
        for _, row in batch.failures.iterrows():
            click.echo(f"- {row['scenario']} seed {row['seed']}: {row['error']}", err=True)
        timeouts = batch.failures["error"].str.startswith(TaskTimeout.__name__).all()
        raise SystemExit(EXIT_NO_SOLUTION if timeouts else EXIT_INTERNAL)


@main.command()
@click.argument("scenario")
@_scenario_options
def simulate(scenario: str, **options) -> None:
    """Simulate a year of monthly rounds for SCENARIO over Monte-Carlo seeds.

    SCENARIO is a scenario file (TOML: base territory, policy overrides, supply, demand
    flow, refusal model; see docs/scenarios.md) or the name of a shipped example:
    baseline, priority-30, plai-a-supply, action-logement-flow, cotation-seniority.

    Writes to OUT: kpis.csv (means with 95 % confidence intervals), kpis_by_seed.csv,
    rounds.csv, targets.csv (annual quota accounts), attributions.csv, failures.csv,
    report.html and manifest.json. Progress goes to stderr. Exit 1 on invalid scenario
    input; 4 when tasks ran out of time; 5 when other tasks failed (the others are still
    written).

    \b
    Examples:
      attribution simulate baseline --out sim-baseline --seeds 3
      attribution simulate my-cia.toml --out sim --workers 0
    """
    _run_scenarios([scenario], f"Simulated year — {Path(scenario).stem}", True, **options)


@main.command()
@click.argument("scenarios", nargs=-1, required=True)
@_scenario_options
def compare(scenarios: tuple[str, ...], **options) -> None:
    """Compare SCENARIOS side by side over the same Monte-Carlo seeds.

    Each SCENARIO is a scenario file or a shipped example name. Every scenario runs with
    the same seeds (those of the first file unless --seeds / --first-seed), so they see
    the same freed units and newcomers. Writes kpis.csv (one row per scenario × KPI ×
    group, mean and 95 % confidence interval), the per-seed tables, report.html with
    charts, and manifest.json to OUT. Exit codes as for simulate.

    \b
    Example:
      attribution compare baseline priority-30 plai-a-supply --out cmp --seeds 10
    """
    _run_scenarios(list(scenarios), "Scenario comparison — "
                   + ", ".join(Path(s).stem for s in scenarios), False, **options)


# --- explain (reporting) -------------------------------------------------------------

@main.command()
@click.argument("results", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("demand_id")
def explain(results: Path, demand_id: str) -> None:
    """Print one applicant's decision in plain words (French, with English alongside).

    RESULTS is a folder written by 'attribution solve'; DEMAND_ID a pseudonymous demand
    id of it. Prints the outcome and its reason, the score and its breakdown, the rank
    among similar demands, the typical wait of the segment and the shortlists the demand
    is on. Exit 2 when the folder is not a results folder or has no such demand.

    \b
    Example:
      attribution explain results D000123
    """
    from reporting.explain import UnknownDemand, explain as explain_demand

    try:
        click.echo(explain_demand(results, demand_id), nl=False)
    except UnknownDemand as exc:
        raise click.UsageError(str(exc)) from None


if __name__ == "__main__":
    sys.exit(main())
