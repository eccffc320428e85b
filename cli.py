"""Command-line interface: ``attribution``. Only parses, calls and prints.

Exit codes (documented in the README):
0 success; 1 invalid input data; 2 usage error; 3 infeasible policy (hard quotas
conflict); 4 time limit reached without any allocation; 5 internal error; 6 the round is
too large for the memory budget (split it).
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from attribution.interrupt import EXIT_INTERRUPTED  # stdlib only

if TYPE_CHECKING:  # the commands import the layers lazily, to start fast
    from attribution.models.errors import DataError

# Exit codes (README): 0 = done and 2 = a usage error are click's own; the others are ours.
EXIT_DATA, EXIT_INFEASIBLE, EXIT_NO_SOLUTION, EXIT_INTERNAL = 1, 3, 4, 5
EXIT_TOO_LARGE = 6


def _exit_with_problems(where: str, exc: DataError, consequence: str,
                        last: str = "") -> None:
    """Print every input problem on stderr (no traceback), then ``last`` (the first fix
    to make), and exit with EXIT_DATA."""
    from attribution.models.i18n import ngettext
    n = len(exc.problems)
    click.echo(ngettext("{where}: {n} problem found; {consequence}.",
                        "{where}: {n} problems found; {consequence}.", n).format(
        where=where, n=n, consequence=consequence), err=True)
    for problem in exc.problems:
        click.echo(f"- {problem}", err=True)
    if last:
        click.echo(last, err=True)
    raise SystemExit(EXIT_DATA)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("attribution")
    except PackageNotFoundError:  # running from a checkout without install
        return "0.1.0+checkout"


def _set_lang(ctx, param, value):
    """Use ``value`` for the command's texts; the previous language comes back when the
    command ends (a program calling ``main`` several times is not left in another one)."""
    if value is not None:
        from attribution.models.i18n import reset_language, set_language
        token = set_language(value)
        # on the root context: it closes even when parsing fails after this eager option
        ctx.find_root().call_on_close(lambda: reset_language(token))
    return value


#: ``--lang`` on every command that prints or writes text for people (French by default;
#: the ATTRIBUTION_LANG environment variable sets another default).
_lang_option = click.option(
    "--lang", type=click.Choice(["fr", "en"]), envvar="ATTRIBUTION_LANG", default="fr",
    show_default=True, expose_value=False, is_eager=True, callback=_set_lang,
    help="Language of the pages, workbook, reasons and messages for people.")


def _print_version(ctx: click.Context) -> None:
    """``--version``: the version is read only when asked (importlib.metadata costs about
    a hundred milliseconds of start-up)."""
    click.echo(f"attribution, version {_version()}")
    ctx.exit()


class _Interruptible(click.Group):
    """Ctrl-C or SIGTERM at any stage of any command: one line and exit 130 (click's
    default is "Aborted!" and exit 1, the bad-input code); see attribution.interrupt."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            from attribution.models.i18n import _
            click.echo(_("Interrupted; stopped cleanly, nothing was written."), err=True)
            raise SystemExit(EXIT_INTERRUPTED) from None


def entry() -> None:
    """The ``attribution`` command (console script, ``python -m attribution``): the click
    group, then :func:`attribution.interrupt.leave` with its exit status (no interpreter
    teardown once the command is over)."""
    from attribution.interrupt import leave

    try:
        main(prog_name="attribution")
        code: int | str | None = 0
    except SystemExit as exc:
        code = exc.code
    leave(code)


@click.group(cls=_Interruptible, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True,
              help="Show the version and exit.", callback=lambda ctx, _p, v:
              _print_version(ctx) if v and not ctx.resilient_parsing else None)
@click.pass_context
def main(ctx: click.Context) -> None:
    """Attribution optimisation solver for social housing.

    Reads a territory folder (demands.csv, units.csv, policy.toml), scores every demand,
    builds the compatibility graph, and allocates the freed units with a proven-optimal
    CP-SAT model under the policy's quotas.
    """
    from attribution.interrupt import interruptible, pause_point  # stdlib only: first

    ctx.with_resource(interruptible())
    pause_point("starting")  # a test hook: does nothing unless ATTRIBUTION_PAUSE_AT is set


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


class _MemorySize(click.ParamType):
    """A memory size: ``8G``, ``8GiB``, ``500M``, ``2T`` (powers of 1024) or a bare
    number of GiB."""

    name = "SIZE"
    _UNITS = {"": 2**30, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        text = str(value).strip().upper().removesuffix("IB").removesuffix("B")
        unit = text[-1:] if text[-1:] in "KMGT" else ""
        try:
            number = float(text[:len(text) - len(unit)])
        except ValueError:
            number = -1.0
        if not number > 0 or number == float("inf"):
            self.fail(f"expected a size such as 8G or 500M; got {value!r} instead.",
                      param, ctx)
        return int(number * self._UNITS[unit])


_MEMORY = _MemorySize()


def _solve_params(params_file: Path | None, log_file: Path | None,
                  export_model: Path | None):
    """SolveParams from ``--params`` (or the defaults), with ``--log`` and
    ``--export-model``; a bad file is a usage error naming it (exit 2)."""
    import dataclasses

    from attribution.optimizer import SolveParams

    try:
        params = SolveParams.from_file(params_file) if params_file else SolveParams()
    except (ValueError, OSError) as exc:
        raise click.BadParameter(str(exc), param_hint="'--params'") from None
    change = {}
    if log_file is not None:
        change["log_file"] = str(log_file)
    if export_model is not None:
        change["export_model"] = str(export_model)
    return dataclasses.replace(params, **change)


@main.command()
@click.argument("territory", required=False,
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(path_type=Path),
              help="Results folder to write (atomically: all files or none).")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Seconds for the optimizer's solve, all phases included (reading and "
                   "the graph are timed apart)  [default: 60, or the --params file's]")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Solver seed; with one worker, the same inputs and seed give identical "
                   "files (timestamps aside).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="CP-SAT workers; more than 1 is faster but not reproducible  "
                   "[default: 1, or the --params file's]")
@click.option("--shortlists", type=click.Choice(["auto", "exact", "bound"]), default="auto",
              show_default=True,
              help="Price shortlist alternatives exactly by warm-started "
                   "re-optimisations (exact), by direct exchanges only (bound), or "
                   "exactly within 60 s of pricing (auto).")
@click.option("--quota-prices", type=click.Choice(["auto", "always", "never"]),
              default="auto", show_default=True,
              help="Price each binding quota: re-optimise without it (warm-started).")
@click.option("--force", is_flag=True,
              help="Replace RESULTS if it exists (only a folder this tool wrote), after the "
                   "new one is complete.")
@click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
@click.option("--csv-dialect", type=click.Choice(["standard", "excel-fr"]), default="standard",
              show_default=True,
              help="standard: the contract's CSV (UTF-8, ',', dot decimals); excel-fr: for "
                   "French Excel (';', UTF-8 with BOM, decimal comma).")
@click.option("--with-names", is_flag=True,
              help="Show the applicants' names in the commission agenda (the demands file "
                   "must have a name column); names never go to the logs or the CSV files.")
@click.option("--ledger", "ledger", default=None, metavar="LEDGER",
              help="Solve the round within the year of this ledger (SQLite file or "
                   "postgresql:// URL): year-to-date accounts carried into the annual "
                   "quotas, units let and households housed left out, the round stored.")
@click.option("--supersede", is_flag=True,
              help="With --ledger: replace a round that already has decisions recorded.")
@click.option("--user", default=None, help="Name written in the ledger's audit trail "
                                           "[default: the OS user].")
@click.option("--params", "params_file", type=click.Path(exists=True, dir_okay=False,
                                                         path_type=Path), default=None,
              help="TOML file of solver parameters (keys of SolveParams, docs/model.md); "
                   "--time-limit and --workers override it.")
@click.option("--log", "log_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Append the CP-SAT search log of every model to this file.")
@click.option("--export-model", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Write every CP-SAT model solved to this folder "
                                 "(binary CpModelProto, for a bug report to OR-Tools).")
@click.option("--max-memory", type=_MEMORY, default=None,
              help="Memory budget, e.g. 8G or 500M: a round whose estimated size is "
                   "beyond it is refused with how to split it  [default: 80 % of the "
                   "memory available]")
@_lang_option
def solve(territory: Path | None, out: Path, time_limit: float | None, seed: int,
          workers: int | None, shortlists: str, quota_prices: str, force: bool, quiet: bool,
          params_file: Path | None = None, log_file: Path | None = None,
          export_model: Path | None = None, max_memory: int | None = None,
          csv_dialect: str = "standard", with_names: bool = False,
          ledger: str | None = None, supersede: bool = False, user: str | None = None) -> None:
    """Allocate one round and write a results folder that explains itself.

    TERRITORY is a territory folder (without it, the bundled CARENE-like territory).
    The --out folder gets assignments.csv, shortlists.csv, decisions.csv, quotas.csv,
    quota_prices.csv, kpis.json, manifest.json, report.html and results.xlsx
    (docs/outputs.md). Progress goes to stderr, a summary to stdout.

    \b
    Exit codes: 0 written; 1 invalid input data; 2 usage error or --out exists
    (use --force); 3 the hard quotas conflict (named); 4 no allocation within the
    time limit; 5 internal error; 6 the round is too large for the memory budget
    (the message says how to split it); 130 interrupted. Nothing is written unless 0.

    \b
    Examples:
      attribution solve --out results
      attribution solve my-territory --out results --time-limit 120 --force
      attribution explain results D000123
    """
    from attribution.reporting.command import progress_printer, solve_territory

    params = _solve_params(params_file, log_file, export_model)
    say = (lambda _: None) if quiet else progress_printer(lambda m: click.echo(m, err=True))
    options = dict(time_limit=time_limit, seed=seed, workers=workers, shortlists=shortlists,
                   price_quotas=quota_prices, force=force, csv_dialect=csv_dialect,
                   with_names=with_names, params=params, max_memory=max_memory)
    if ledger is not None:
        _solve_with_ledger_cli(ledger, user, supersede, territory, out, say, **options)
        return
    if supersede:
        from attribution.models.i18n import _
        raise click.UsageError(_("--supersede only applies with --ledger."))
    with _solve_errors(territory, out):
        summary = solve_territory(territory, out, progress=say, **options)
    for line in summary.lines():
        click.echo(line)


@contextlib.contextmanager
def _solve_errors(territory: Path | None, out: Path, usage_errors: tuple = ()):
    """Every way a round can fail, as the command's exit code and one message: a usage
    error (2; also ``usage_errors``), invalid input (1), conflicting quotas (3), no
    allocation in time (4), a round too large (6), Ctrl-C (130), a bug (5)."""
    import os

    from attribution.models.errors import DataError, NoSolutionInTime, PolicyInfeasible
    from attribution.models.i18n import _
    from attribution.models.size import RoundTooLarge
    from attribution.reporting.files.atomic import ResultsFolderError

    try:
        with _sigterm_as_interrupt():
            yield
    except (ResultsFolderError, *usage_errors) as exc:
        raise click.UsageError(str(exc)) from None
    except DataError as exc:
        _exit_with_problems(str(territory or _("bundled territory")), exc,
                            _("nothing was written"))
    except PolicyInfeasible as exc:
        from attribution.reporting.text.labels import quota_label
        rows = "; ".join(quota_label(name) for name in exc.conflicts)
        click.echo(_("The policy's hard quotas cannot all hold: {rows}.").format(rows=rows)
                   + (f" {exc.detail}." if exc.detail else "") + " "
                   + _("Nothing was written."), err=True)
        raise SystemExit(EXIT_INFEASIBLE)
    except NoSolutionInTime as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(EXIT_NO_SOLUTION)
    except RoundTooLarge as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(EXIT_TOO_LARGE)
    except MemoryError:
        click.echo(_("The machine ran out of memory for this round; nothing was written. "
                     "Split the round (by commune or by landlord, keeping only that part's "
                     "units) or lower --max-memory so that the size check refuses it before "
                     "it starts."), err=True)
        raise SystemExit(EXIT_TOO_LARGE)
    except KeyboardInterrupt:
        click.echo(_("Interrupted; nothing was written."), err=True)
        raise SystemExit(EXIT_INTERRUPTED)
    except OSError as exc:  # permission denied, disk full: the environment, not a bug
        raise click.UsageError(_("Cannot write the results folder '{out}': {error}; nothing "
                                 "was written.").format(out=out, error=exc.strerror or exc)
                               ) from None
    except Exception as exc:  # a bug: one line, the traceback only on request
        if os.environ.get("ATTRIBUTION_DEBUG"):
            raise
        click.echo(_("Internal error (a bug, please report it): {error}. Nothing was written. "
                     "Set ATTRIBUTION_DEBUG=1 for the traceback.").format(
            error=f"{type(exc).__name__}: {exc}"), err=True)
        raise SystemExit(EXIT_INTERNAL)


# --- validate ------------------------------------------------------------------------

@main.command()
@click.argument("territory", required=False,
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@_lang_option
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
    from attribution.models.i18n import _
    from attribution.models.io.readers import first_fix, load_territory
    from attribution.models.io.validation_summary import summarise

    if territory is None:
        from attribution.models.generator import bundled_territory_path
        territory = bundled_territory_path()
    notices: list[str] = []
    try:
        loaded = load_territory(territory, notices=notices)
        summary = summarise(loaded)
    except DataError as exc:
        fix = first_fix(territory, exc)
        _exit_with_problems(str(territory), exc, _("nothing was validated"),
                            _("First fix to make: {fix}").format(fix=fix) if fix else "")
    for notice in notices:
        click.echo(notice, err=True)
    click.echo(_("{folder}: territory '{name}' is valid.").format(folder=territory,
                                                                   name=summary.name))
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
@click.option("--force", is_flag=True,
              help="Replace OUT_DIR if it is a territory folder this tool generated and "
                   "holds nothing else.")
@_lang_option
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
    from attribution.models.io.folders import OutputFolderError
    from attribution.models.generator import PROFILES, write_territory
    from attribution.models.i18n import _, date

    prof = PROFILES[profile]
    n_demands = prof.default_n_demands if n_demands is None else n_demands
    n_units = prof.default_n_units if n_units is None else n_units
    try:
        write_territory(out_dir, seed, n_demands, n_units, round_date=round_date.date(),
                        profile=profile, overwrite=force)
    except (FileExistsError, OutputFolderError) as exc:
        raise click.UsageError(str(exc)) from None
    except OSError as exc:  # permission denied, disk full, ...
        raise click.UsageError(_("Cannot write the folder '{out}': {error}.").format(
            out=out_dir, error=exc.strerror or exc)) from None
    click.echo(_("{out}: {demands} demands, {units} units, profile {profile}, seed {seed}, "
                 "round {date}.").format(out=out_dir, demands=n_demands, units=n_units,
                                         profile=profile, seed=seed,
                                         date=date(round_date.date())))


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
    from attribution.models.i18n import _, ngettext
    from attribution.reporting.files.atomic import ResultsFolderError
    from attribution.scenarios.commands import run
    from attribution.scenarios.simulation import TaskTimeout

    def say(line: str) -> None:
        click.echo(line, err=True)

    try:
        batch = run(paths, title=title, with_attributions=with_attributions, progress=say,
                    **options)
    except DataError as exc:
        _exit_with_problems(_("scenario input"), exc, _("nothing was simulated"))
    except ResultsFolderError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(ngettext("{out}: {n} simulated horizon written (kpis.csv, report.html) in "
                        "{seconds} s.",
                        "{out}: {n} simulated horizons written (kpis.csv, report.html) in "
                        "{seconds} s.", len(batch.years)).format(
        out=options["out"], n=len(batch.years), seconds=f"{batch.seconds:.0f}"))
    if len(batch.failures):
        click.echo(ngettext("{n} task failed (see failures.csv):",
                            "{n} tasks failed (see failures.csv):", len(batch.failures))
                   .format(n=len(batch.failures)), err=True)
        for _i, row in batch.failures.iterrows():
            click.echo("- " + _("{scenario} seed {seed}: {error}").format(
                scenario=row["scenario"], seed=row["seed"], error=row["error"]), err=True)
        timeouts = batch.failures["error"].str.startswith(TaskTimeout.__name__).all()
        raise SystemExit(EXIT_NO_SOLUTION if timeouts else EXIT_INTERNAL)


@main.command()
@click.argument("scenario")
@_scenario_options
@_lang_option
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
    from attribution.models.i18n import _
    _run_scenarios([scenario], _("Simulation — {name}").format(name=Path(scenario).stem),
                   True, **options)


@main.command()
@click.argument("scenarios", nargs=-1, required=True)
@_scenario_options
@_lang_option
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
    from attribution.models.i18n import _
    _run_scenarios(list(scenarios), _("Scenario comparison — {names}").format(
        names=", ".join(Path(s).stem for s in scenarios)), False, **options)


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
@_lang_option
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
    from attribution.models.i18n import _, ngettext
    from attribution.reporting.files.atomic import ResultsFolderError
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
        _exit_with_problems(_("scenario input"), exc, _("nothing was simulated"))
    except ResultsFolderError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(ngettext("{out}: {n} simulated horizon written (sweep.csv, sweep.html, "
                        "report.html) in {seconds} s.",
                        "{out}: {n} simulated horizons written (sweep.csv, sweep.html, "
                        "report.html) in {seconds} s.", len(batch.years)).format(
        out=out, n=len(batch.years), seconds=f"{batch.seconds:.0f}"))
    if len(batch.failures):
        click.echo(ngettext("{n} task failed (see failures.csv).",
                            "{n} tasks failed (see failures.csv).", len(batch.failures))
                   .format(n=len(batch.failures)), err=True)
        timeouts = batch.failures["error"].str.startswith(TaskTimeout.__name__).all()
        raise SystemExit(EXIT_NO_SOLUTION if timeouts else EXIT_INTERNAL)


# --- explain (reporting) -------------------------------------------------------------


# --- explain and letters (reporting) ------------------------------------------------

@main.command()
@click.argument("results", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("demand_id")
@click.option("--letter", "letter_path", is_flag=False, flag_value="-", default=None,
              metavar="[FILE]",
              help="Write the applicant's letter (a printable HTML page) instead of the text: "
                   "to FILE, or to ./letter-DEMAND_ID.html without FILE.")
@click.option("--pdf", is_flag=True,
              help="With --letter, also write a PDF beside the HTML (needs WeasyPrint).")
@_lang_option
def explain(results: Path, demand_id: str, letter_path: str | None, pdf: bool = False) -> None:
    """Print one applicant's decision in plain words (French; --lang en for English).

    RESULTS is a folder written by 'attribution solve'; DEMAND_ID a pseudonymous demand
    id of it. Prints the outcome and its reason, the score and its breakdown, the rank
    among similar demands, the typical wait of the segment and the shortlists the demand
    is on. With --letter, writes the letter owed to the applicant (CCH R441-2-17, CRPA
    R311-3-1-2) as one self-contained HTML page. Exit 2 when the folder is not a results
    folder or has no such demand.

    \b
    Examples:
      attribution explain results D000123
      attribution explain results D000123 --letter
      attribution explain results D000123 --letter D000123.html --lang en
    """
    from attribution.models.i18n import _
    from attribution.reporting.text.explain import (PdfUnavailable, UnknownDemand,
                                               explain as explain_demand, letter, pdf_writer,
                                               safe_name)

    try:
        if letter_path is None:
            click.echo(explain_demand(results, demand_id), nl=False)
            return
        html = letter(results, demand_id)
        to_pdf = pdf_writer() if pdf else None
    except (UnknownDemand, PdfUnavailable) as exc:
        raise click.UsageError(str(exc)) from None
    target = (Path(f"letter-{safe_name(demand_id)}.html") if letter_path == "-"
              else Path(letter_path))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
        if to_pdf is not None:
            to_pdf(html, target.with_suffix(".pdf"))
    except OSError as exc:
        raise click.UsageError(_("Cannot write the letter '{path}': {error}.").format(
            path=target, error=exc.strerror or exc)) from None
    click.echo(_("Letter written to {path}.").format(path=target))


@main.command()
@click.argument("results", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(path_type=Path),
              help="Folder to write one letter per applicant into (DEMAND_ID.html).")
@click.option("--demand", "demands", multiple=True, metavar="DEMAND_ID",
              help="Only these demands (repeatable); all demands by default.")
@click.option("--pdf", is_flag=True,
              help="Also write each letter as PDF (needs WeasyPrint: pip install weasyprint).")
@_lang_option
def letters(results: Path, out: Path, demands: tuple[str, ...], pdf: bool = False) -> None:
    """Write the letter owed to every applicant of a results folder.

    One self-contained printable HTML page per demand (outcome and reason, score and its
    breakdown in plain words, rank among similar demands, waiting time, how the cotation
    works), with no other applicant's data. Exit 2 when RESULTS is not a results folder
    or a --demand is unknown.

    \b
    Example:
      attribution letters results --out letters
    """
    from attribution.models.i18n import _
    from attribution.reporting.text.explain import PdfUnavailable, UnknownDemand, write_letters

    try:
        written = write_letters(results, out, list(demands) or None, pdf=pdf)
    except (UnknownDemand, PdfUnavailable) as exc:
        raise click.UsageError(str(exc)) from None
    except OSError as exc:
        raise click.UsageError(_("Cannot write the letters to '{path}': {error}.").format(
            path=out, error=exc.strerror or exc)) from None
    click.echo(_("{n} letters written to {path}.").format(n=len(written), path=out))


# --- serve and users (web workspace) ---------------------------------------------------

@main.command()
@click.argument("ledger", required=False)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; only this machine unless told otherwise.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--data", "data", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for territory versions, results and the session key "
                   "[default: LEDGER.files beside a SQLite ledger].")
@click.option("--territory", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=None, help="Territory folder to start with when none is set yet "
                                 "[default: the bundled CARENE-like territory].")
@click.option("--demo", is_flag=True,
              help="Start on the bundled territory (ledger attribution-demo.sqlite when "
                   "LEDGER is not given) with a demo account printed on first start.")
@click.option("--secure-cookie", is_flag=True,
              help="Send the session cookie over HTTPS only (behind an HTTPS proxy).")
@click.option("--verbose", is_flag=True,
              help="Log every request's route and the ledger's schema migrations (INFO); "
                   "warnings and errors only without it.")
@_lang_option
def serve(ledger: str | None, host: str, port: int, data: Path | None,
          territory: Path | None, demo: bool, secure_cookie: bool,
          verbose: bool = False) -> None:
    """Start the CIL's web workspace on LEDGER (a SQLite file or a database URL).

    Rounds, the commission agenda, decisions, the year and scenarios in the browser, for
    the accounts created with 'attribution users add'. Binds to 127.0.0.1 unless --host.

    \b
    Examples:
      attribution serve --demo
      attribution serve cil-2025.sqlite --port 8080
    """
    from attribution.web.server import run_server

    if ledger is None and not demo:
        from attribution.models.i18n import _
        raise click.UsageError(_("Give LEDGER (a SQLite file or a database URL), or --demo."))
    try:
        run_server(ledger or "attribution-demo.sqlite", host=host, port=port, data=data,
                   territory=territory, demo=demo, secure_cookie=secure_cookie,
                   echo=click.echo, verbose=verbose)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


@main.group()
def users() -> None:
    """Accounts of the web workspace (stored in the ledger's database)."""


@users.command("add")
@click.argument("name")
@click.option("--role", required=True,
              help="cil, viewer, landlord:<name> or reservataire:<id>.")
@click.option("--ledger", "ledger", required=True,
              help="The ledger (SQLite file or database URL) the workspace serves.")
@click.option("--replace", is_flag=True, help="Change the role and password of an account.")
@_lang_option
def users_add(name: str, role: str, ledger: str, replace: bool) -> None:
    """Create the account NAME with ROLE; the password is typed (twice) or read from
    the first line of stdin. Stored as an Argon2id hash.

    \b
    Example:
      attribution users add marie --role "landlord:Silène" --ledger cil-2025.sqlite
    """
    from attribution.web.auth import AccountError, add_user
    from attribution.web.db import open_db

    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        add_user(open_db(ledger), name, role, password, replace=replace)
    except AccountError as exc:
        raise click.UsageError(str(exc)) from None
    from attribution.models.i18n import _
    click.echo((_("{name}: account updated with role {role}.") if replace else
                _("{name}: account created with role {role}.")).format(name=name, role=role))
# --- ledger: solve --ledger, record, bilan, ledger rounds/close/purge -----------------

def _open_ledger_cli(target: str, user: str | None, create: bool = True):
    from attribution.ledger import LedgerError, open_ledger
    try:
        return open_ledger(target, user, create=create)
    except LedgerError as exc:
        raise click.UsageError(str(exc)) from None


def _solve_with_ledger_cli(target: str, user: str | None, supersede: bool,
                           territory: Path | None, out: Path, say, **options) -> None:
    """``solve --ledger``: the same exit codes as solve; a refused re-solve exits 2."""
    from attribution.ledger import LedgerError
    from attribution.ledger.solve import solve_with_ledger

    led = _open_ledger_cli(target, user)
    try:
        with _solve_errors(territory, out, usage_errors=(LedgerError,)):
            summary = solve_with_ledger(led, territory, out, supersede=supersede,
                                        progress=say, **options)
    finally:
        led.close()
    for line in summary.lines():
        click.echo(line)


@main.command()
@click.argument("ledger")
@click.argument("decisions", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--territory", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=None, help="A territory folder whose units and demands are added to "
                                 "the ledger first (attributions on units no round held).")
@click.option("--user", default=None, help="Name written on every change [default: the OS "
                                           "user].")
@_lang_option
def record(ledger: str, decisions: Path, territory: Path | None, user: str | None) -> None:
    """Record what really happened (commission decisions, refusals, leases) in LEDGER.

    LEDGER is a SQLite file or a postgresql:// URL. DECISIONS has the columns unit_id,
    demand_id, event, date, rank, justified, reason (and optionally reservataire); events:
    designated, commission_attributed (with rank), commission_rejected, offer_refused
    (with justified true/false and a reason), lease_signed, withdrawn. The file is checked
    whole and recorded in one transaction: all rows or none; recording it again changes
    nothing (docs/ledger.md).

    \b
    Exit codes: 0 recorded; 1 invalid rows (every problem listed; nothing recorded);
    2 usage error (no such ledger, newer ledger).

    \b
    Example:
      attribution record cil.db decisions-2025-03.csv
    """
    from attribution.ledger import LedgerError
    from attribution.ledger.events import record as record_events
    from attribution.models.errors import DataError
    from attribution.models.i18n import _

    loaded = None
    if territory is not None:
        from attribution.models.io.readers import load_territory
        try:
            loaded = load_territory(territory)
        except DataError as exc:
            _exit_with_problems(str(territory), exc, _("nothing was recorded"))
    led = _open_ledger_cli(ledger, user)
    try:
        summary = record_events(led, decisions, territory=loaded)
    except DataError as exc:
        _exit_with_problems(str(decisions), exc, _("nothing was recorded"))
    except LedgerError as exc:
        raise click.UsageError(str(exc)) from None
    finally:
        led.close()
    click.echo(f"{decisions}: " + summary.lines()[0])
    for line in summary.lines()[1:]:
        click.echo(line)


@main.command()
@click.argument("ledger")
@click.option("--year", type=click.IntRange(min=1900, max=2999), required=True,
              help="The calendar year of the bilan.")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path),
              help="Folder to write (atomically).")
@click.option("--force", is_flag=True, help="Replace OUT if it is a bilan folder.")
@_lang_option
def bilan(ledger: str, year: int, out: Path, force: bool) -> None:
    """Write the annual bilan of LEDGER for --year to OUT.

    Per landlord × réservataire the units let against the convention's share and
    tolerance (flows.csv), every annual quota (quotas.csv), the priority share per
    réservataire and landlord, DALO, Q1 outside QPV / non-Q1 in QPV, communes against the
    spatial targets, refusals by reason and the observed waiting time by typology and
    commune; as CSVs, bilan.xlsx and bilan.html (docs/outputs.md). Aggregates only.

    \b
    Example:
      attribution bilan cil.db --year 2025 --out bilan-2025
    """
    from attribution.ledger import LedgerError
    from attribution.ledger.bilan import check_bilan_target, compute_bilan, write_bilan
    from attribution.models.i18n import _, pct
    from attribution.reporting.files.atomic import ResultsFolderError

    try:
        check_bilan_target(out, force)
    except ResultsFolderError as exc:
        raise click.UsageError(str(exc)) from None
    led = _open_ledger_cli(ledger, None, create=False)
    try:
        result = compute_bilan(led, year)
        folder = write_bilan(result, out, force=force)
    except (LedgerError, ResultsFolderError) as exc:
        raise click.UsageError(str(exc)) from None
    finally:
        led.close()
    s = result.summary
    share = "–" if s["attributions"] == 0 else pct(s["priority_share"])
    click.echo(_("{folder}: bilan {year}: {attributions} attributions ({outside} outside the "
                 "tool), priority share {share}, {flows_ok} of {flows} flows within "
                 "tolerance, {quotas_met} of {quotas} annual quota rows met.").format(
        folder=folder, year=year, attributions=s["attributions"], outside=s["outside_tool"],
        share=share, flows_ok=s["flows_within_tolerance"], flows=s["flows"],
        quotas_met=s["quotas_met"], quotas=s["quotas"]))


# -- attribution calibrate (issue 16, scen16) ------------------------------------------------
@main.command()
@click.argument("ledger")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path),
              help="Scenario file to write (TOML, atomically).")
@click.option("--year", type=click.IntRange(min=1900, max=2999), default=None,
              help="The recorded year [default: the latest year in which the ledger saw a "
                   "demand file].")
@click.option("--territory", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=None, help="Territory folder the scenario simulates (written as "
                                 "territory.source) [default: the bundled territory].")
@click.option("--name", default=None, help="Scenario name [default: calibrated-YEAR].")
@click.option("--force", is_flag=True, help="Replace OUT if calibrate wrote it and nobody "
                                            "edited it since.")
@_lang_option
def calibrate(ledger: str, out: Path, year: int | None, territory: Path | None,
              name: str | None, force: bool) -> None:
    """Estimate a scenario's refusal rates, lapse rate, arrivals and units freed from a
    year recorded in LEDGER, and write them to a scenario file.

    Refusal rates per demand group (DALO, priority, mutation, other) × unit in or outside
    a QPV, as the simulator's refusal model; the lapse rate from departures without
    attribution per anniversary passed in the queue; arrivals and units let per month.
    Each value comes with its count basis and a 95 % interval (Wilson for rates) in a
    comment. The file runs as it is: attribution simulate OUT --out DIR. Needs at least
    two demand files a month apart and 30 resolved offers (refusals and leases) in the
    year (docs/scenarios.md, "Calibrating from a recorded year").

    \b
    Example:
      attribution calibrate cil.db --year 2025 --out cil-2025.toml
      attribution simulate cil-2025.toml --out sim-2025 --seeds 10
    """
    import os

    from attribution.ledger import LedgerError
    from attribution.ledger.calibrate import (CalibrationError, OutputExists,
                                              calibrate as estimate, scenario_text,
                                              write_scenario)
    from attribution.models.i18n import _

    if out.exists() and not force:
        raise click.UsageError(_("'{out}' already exists: add --force to replace it (only a "
                                 "file written by attribution calibrate and not edited since "
                                 "is replaced).").format(out=out))
    if not out.resolve().parent.is_dir():
        raise click.UsageError(_("The folder of '{out}' does not exist: create it first, or "
                                 "choose another --out.").format(out=out))
    led = _open_ledger_cli(ledger, None, create=False)
    try:
        cal = estimate(led, year)
    except CalibrationError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    except LedgerError as exc:
        raise click.UsageError(str(exc)) from None
    finally:
        led.close()
    if territory is None:
        source = "bundled"
    else:
        source = os.path.relpath(territory.resolve(), out.resolve().parent)
    label = Path(ledger).name if "://" not in ledger else ledger.split("@")[-1].split("?")[0]
    try:
        write_scenario(scenario_text(cal, source, label, name), out, force=force)
    except OutputExists as exc:
        raise click.UsageError(str(exc)) from None
    lo, hi = cal.lapses.interval
    click.echo(_("{out}: year {year}, {offers} offers, {departures} departures over "
                 "{anniversaries} anniversaries (lapse rate {lapse}, 95 % CI {lo}–{hi}), "
                 "{arrivals} arrivals a month, {units} units let a month.").format(
        out=out, year=cal.year, offers=cal.offers, departures=cal.lapses.events,
        anniversaries=cal.lapses.trials,
        lapse="–" if not cal.lapses.trials else f"{min(1.0, cal.lapses.estimate):.3f}",
        lo=f"{lo:.3f}", hi=f"{hi:.3f}", arrivals=f"{cal.arrivals.per_month:.1f}",
        units=f"{cal.units.per_month:.1f}"))


@main.group("ledger")
def ledger_group() -> None:
    """Look after a ledger: list and close rounds, purge old personal data."""


@ledger_group.command("rounds")
@click.argument("ledger")
def ledger_rounds(ledger: str) -> None:
    """List the rounds of LEDGER (newest first) with their status and who changed them."""
    from attribution.ledger.solve import round_table

    led = _open_ledger_cli(ledger, None, create=False)
    try:
        rows = round_table(led)
    finally:
        led.close()
    click.echo("id\tround_date\tstatus\tunits_let\tcarry_mode\tchanged_at\tchanged_by")
    for r in rows:
        click.echo(f"{r['id']}\t{r['round_date']}\t{r['status']}\t{r['units_let']}\t"
                   f"{r['carry_mode']}\t{r['changed_at']}\t{r['changed_by']}")


@ledger_group.command("close")
@click.argument("ledger")
@click.argument("round_id", type=int)
@click.option("--user", default=None, help="Name written in the audit trail.")
@_lang_option
def ledger_close(ledger: str, round_id: int, user: str | None) -> None:
    """Close round ROUND_ID of LEDGER (decided → closed); a closed round is never
    solved again."""
    from attribution.ledger import LedgerError
    from attribution.ledger.solve import close_round, status_label
    from attribution.models.i18n import _

    led = _open_ledger_cli(ledger, user, create=False)
    try:
        before = close_round(led, round_id)
    except LedgerError as exc:
        raise click.UsageError(str(exc)) from None
    finally:
        led.close()
    click.echo(_("round {id}: {before} → {after}").format(id=round_id, before=status_label(before),
                                                          after=status_label("closed")))


@ledger_group.command("purge")
@click.argument("ledger")
@click.option("--older-than", "years", type=click.IntRange(min=1), required=True,
              help="Purge demands housed or lapsed more than this many years ago.")
@click.option("--dry-run", is_flag=True, help="Count only; delete nothing.")
@click.option("--user", default=None, help="Name written in the audit trail.")
@_lang_option
def ledger_purge(ledger: str, years: int, dry_run: bool, user: str | None) -> None:
    """Delete the personal data of households housed or lapsed more than N years ago
    (their demand row, events and proposals; docs/ledger.md, "Retention")."""
    from attribution.ledger.retention import purge
    from attribution.models.i18n import _, date

    led = _open_ledger_cli(ledger, user, create=False)
    try:
        counts = purge(led, years, dry_run=dry_run)
    finally:
        led.close()
    message = (_("{demands} demands, {events} events and {proposals} proposals last seen "
                 "before {cutoff} would be purged.") if dry_run else
               _("{demands} demands, {events} events and {proposals} proposals last seen "
                 "before {cutoff} purged."))
    click.echo(message.format(demands=counts["demands"], events=counts["events"],
                              proposals=counts["proposals"], cutoff=date(counts["cutoff"])))


if __name__ == "__main__":
    sys.exit(main())
