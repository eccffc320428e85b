"""Command-line interface: ``attribution``. Only parses, calls and prints.

Exit codes (documented in the README):
0 success; 1 invalid input data; 2 usage error; 3 infeasible policy (hard quotas
conflict); 4 time limit reached without any allocation; 5 internal error.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:  # the commands import the layers lazily, to start fast
    from attribution.models.errors import DataError

EXIT_OK, EXIT_DATA, EXIT_USAGE, EXIT_INFEASIBLE, EXIT_NO_SOLUTION, EXIT_INTERNAL = 0, 1, 2, 3, 4, 5


def _exit_with_problems(where: str, exc: DataError, consequence: str) -> None:
    """Print every input problem on stderr (no traceback) and exit with EXIT_DATA."""
    n = len(exc.problems)
    click.echo(f"{where}: {n} problem{'s' if n != 1 else ''} found; {consequence}.",
               err=True)
    for problem in exc.problems:
        click.echo(f"- {problem}", err=True)
    raise SystemExit(EXIT_DATA)


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


# --- solve (reporting) -------------------------------------------------------------

@contextlib.contextmanager
def _sigterm_as_interrupt():
    """SIGTERM behaves like Ctrl-C while the block runs, so the atomic writer removes its
    temporary folder; the previous handler is restored afterwards."""
    import signal

    def handler(signum, frame):
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not in the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@main.command()
@click.argument("territory", required=False,
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(path_type=Path),
              help="Results folder to write (atomically: all files or none).")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=60.0,
              show_default=True, help="Seconds for the main solve.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Solver seed; with one worker, the same inputs and seed give identical "
                   "files (timestamps aside).")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="CP-SAT workers; more than 1 is faster but not reproducible.")
@click.option("--shortlists", type=click.Choice(["auto", "exact", "bound"]), default="auto",
              show_default=True,
              help="Price shortlist alternatives by exact re-solves (exact), by direct "
                   "exchanges only (bound), or exactly when affordable (auto).")
@click.option("--quota-prices", type=click.Choice(["auto", "always", "never"]),
              default="auto", show_default=True,
              help="Re-solve without each binding quota to price it.")
@click.option("--force", is_flag=True,
              help="Replace RESULTS if it exists (only a folder this tool wrote), after the "
                   "new one is complete.")
@click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
def solve(territory: Path | None, out: Path, time_limit: float, seed: int, workers: int,
          shortlists: str, quota_prices: str, force: bool, quiet: bool) -> None:
    """Allocate one round and write a results folder that explains itself.

    TERRITORY is a territory folder (without it, the bundled CARENE-like territory).
    The --out folder gets assignments.csv, shortlists.csv, decisions.csv, quotas.csv,
    quota_prices.csv, kpis.json, manifest.json, report.html and results.xlsx
    (docs/outputs.md). Progress goes to stderr, a summary to stdout.

    \b
    Exit codes: 0 written; 1 invalid input data; 2 usage error or --out exists
    (use --force); 3 the hard quotas conflict (named); 4 no allocation within the
    time limit; 5 internal error; 130 interrupted. Nothing is written unless 0.

    \b
    Examples:
      attribution solve --out results
      attribution solve my-territory --out results --time-limit 120 --force
      attribution explain results D000123
    """
    import os

    from attribution.models.errors import DataError, NoSolutionInTime, PolicyInfeasible
    from attribution.reporting.atomic import ResultsFolderError
    from attribution.reporting.command import progress_printer, solve_territory

    say = (lambda _: None) if quiet else progress_printer(lambda m: click.echo(m, err=True))
    try:
        with _sigterm_as_interrupt():
            summary = solve_territory(territory, out, time_limit=time_limit, seed=seed,
                                      workers=workers, shortlists=shortlists,
                                      price_quotas=quota_prices, force=force, progress=say)
    except ResultsFolderError as exc:
        raise click.UsageError(str(exc)) from None
    except DataError as exc:
        _exit_with_problems(str(territory or "bundled territory"), exc, "nothing was written")
    except PolicyInfeasible as exc:
        click.echo(f"{exc} Nothing was written.", err=True)
        raise SystemExit(EXIT_INFEASIBLE)
    except NoSolutionInTime as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(EXIT_NO_SOLUTION)
    except KeyboardInterrupt:
        click.echo("Interrupted; nothing was written.", err=True)
        raise SystemExit(130)
    except OSError as exc:  # permission denied, disk full: the environment, not a bug
        raise click.UsageError(f"Cannot write the results folder '{out}': "
                               f"{exc.strerror or exc}; nothing was written.") from None
    except Exception as exc:  # a bug: one line, the traceback only on request
        if os.environ.get("ATTRIBUTION_DEBUG"):
            raise
        click.echo(f"Internal error (a bug, please report it): {type(exc).__name__}: {exc}. "
                   "Nothing was written. Set ATTRIBUTION_DEBUG=1 for the traceback.", err=True)
        raise SystemExit(EXIT_INTERNAL)
    for line in summary.lines():
        click.echo(line)


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
    from attribution.models.errors import DataError
    from attribution.models.readers import load_territory
    from attribution.models.validation_summary import summarise

    if territory is None:
        from attribution.models.generator import bundled_territory_path
        territory = bundled_territory_path()
    try:
        loaded = load_territory(territory)
        summary = summarise(loaded)
    except DataError as exc:
        _exit_with_problems(str(territory), exc, "nothing was validated")
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
    from attribution.models.generator import PROFILES, write_territory

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
        click.option("--years", type=click.IntRange(min=1), default=None,
                     help="Consecutive years to simulate (stock, queue and vacant units "
                          "carried over; annual accounts per year) [default: the file's, 1]."),
        click.option("--precision", type=click.FloatRange(min=0, min_open=True), default=None,
                     help="Add seeds until every headline KPI's 95 % half-width is below P "
                          "(a share: P = 0.02 is ±2 points; a count or months: ±2 % of the "
                          "mean), up to --max-seeds."),
        click.option("--max-seeds", type=click.IntRange(min=1), default=40, show_default=True,
                     help="Cap on the seeds --precision may run."),
        click.option("--task-time-limit", "task_time_limit", type=click.FloatRange(min=1),
                     default=None, help="Seconds per simulated horizon (one task) "
                                        "[default: the file's, 3600]; raise it for --years "
                                        "on a loaded machine."),
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
    from attribution.models.errors import DataError
    from attribution.reporting.atomic import ResultsFolderError
    from attribution.scenarios.commands import run
    from attribution.scenarios.simulation import TaskTimeout

    def say(line: str) -> None:
        click.echo(line, err=True)

    try:
        batch = run(paths, title=title, with_attributions=with_attributions, progress=say,
                    **options)
    except DataError as exc:
        _exit_with_problems("scenario input", exc, "nothing was simulated")
    except ResultsFolderError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"{options['out']}: {len(batch.years)} simulated horizons written "
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
    """Simulate a year (or --years N) of monthly rounds for SCENARIO over Monte-Carlo seeds.

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
      attribution simulate baseline --out sim-6y --years 6 --seeds 4
    """
    _run_scenarios([scenario], f"Simulation — {Path(scenario).stem}", True, **options)


@main.command()
@click.argument("scenarios", nargs=-1, required=True)
@_scenario_options
def compare(scenarios: tuple[str, ...], **options) -> None:
    """Compare SCENARIOS side by side over the same Monte-Carlo seeds.

    Each SCENARIO is a scenario file or a shipped example name. Every scenario runs with
    the same seeds (those of the first file unless --seeds / --first-seed), so they see
    the same freed units and newcomers. Writes kpis.csv (one row per scenario × KPI ×
    group, mean and 95 % confidence interval kept in the possible range), differences.csv
    (every scenario minus the first, paired seed by seed), the per-seed tables,
    report.html (leading with the differences) and manifest.json to OUT. Exit codes as
    for simulate.

    \b
    Example:
      attribution compare baseline priority-30 plai-a-supply --out cmp --seeds 10
    """
    _run_scenarios(list(scenarios), "Scenario comparison — "
                   + ", ".join(Path(s).stem for s in scenarios), False, **options)


# --- sweep (scenarios) ----------------------------------------------------------------

@main.command()
@click.argument("scenario")
@click.option("--set", "set_text", required=True, metavar="KEY=START:STOP:STEP",
              help="The parameter to sweep and its values, STOP included "
                   "(e.g. quotas.priority_min=0.25:0.45:0.05).")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path),
              help="Results folder to write (atomically: all of it or nothing).")
@click.option("--seeds", type=click.IntRange(min=1), default=None,
              help="Monte-Carlo seeds, the same for every value [default: the file's, 10].")
@click.option("--first-seed", type=click.IntRange(min=0), default=None,
              help="First seed [default: the file's, 0].")
@click.option("--months", type=click.IntRange(min=1), default=None,
              help="Monthly rounds to simulate [default: the file's, 12].")
@click.option("--years", type=click.IntRange(min=1), default=None,
              help="Consecutive years to simulate [default: the file's, 1].")
@click.option("--time-limit", "round_time_limit", type=click.FloatRange(min=0.1),
              default=None, help="Seconds per solve [default: the file's, 5].")
@click.option("--workers", type=click.IntRange(min=0), default=None,
              help="Local Dask worker processes [default: one per core]; 0 = serial.")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Use an existing Dask scheduler (tcp://host:8786).")
@click.option("--force", is_flag=True, help="Replace OUT if it is a results folder.")
def sweep(scenario: str, set_text: str, out: Path, **options) -> None:
    """Run SCENARIO for every value of one parameter and chart the trade-offs.

    SCENARIO is a scenario file or a shipped example name. KEY is a key of the scenario
    file (a policy override when its first part is not a section: quotas.priority_min
    is policy.quotas.priority_min; supply.units_per_month, demand.lapse_rate...). Every
    value runs with the same seeds. Writes what compare writes (differences.csv against
    the first value) plus sweep.csv and sweep.html (priority share against the median
    wait of other households, Q1 share outside QPV, attributions per commune). Exit codes
    as for simulate; 2 on a malformed --set.

    \b
    Example:
      attribution sweep baseline --set quotas.priority_min=0.25:0.45:0.05 --out sw --seeds 4
    """
    from attribution.models.errors import DataError
    from attribution.reporting.atomic import ResultsFolderError
    from attribution.scenarios.simulation import TaskTimeout
    from attribution.scenarios.sweep import parse_set, run_sweep

    try:
        parse_set(set_text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--set") from None
    try:
        batch = run_sweep(scenario, set_text, out, progress=lambda line: click.echo(line, err=True),
                          **options)
    except DataError as exc:
        _exit_with_problems("scenario input", exc, "nothing was simulated")
    except ResultsFolderError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"{out}: {len(batch.years)} simulated horizons written (sweep.csv, sweep.html, "
               f"report.html) in {batch.seconds:.0f} s.")
    if len(batch.failures):
        click.echo(f"{len(batch.failures)} task(s) failed (see failures.csv).", err=True)
        timeouts = batch.failures["error"].str.startswith(TaskTimeout.__name__).all()
        raise SystemExit(EXIT_NO_SOLUTION if timeouts else EXIT_INTERNAL)


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
    from attribution.reporting.explain import UnknownDemand, explain as explain_demand

    try:
        click.echo(explain_demand(results, demand_id), nl=False)
    except UnknownDemand as exc:
        raise click.UsageError(str(exc)) from None


if __name__ == "__main__":
    sys.exit(main())
