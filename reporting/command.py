"""What ``attribution solve`` does, minus the parsing: load, build, solve, explain, write.

Kept out of ``cli.py`` so that the command stays a thin layer (parse, call, print) and so
that tests can drive a whole run without a subprocess.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from attribution.models.compatibility import build_problem
from attribution.models.generator import bundled_territory_path
from attribution.models.i18n import _, num
from attribution.models.io.readers import load_territory
from attribution.models.size import GIB, check_memory
from attribution.optimizer import SolveParams

from .files.atomic import check_target
from .results import run
from .analysis.shortlists import ShortlistParams
from .analysis.variants import Solver

if TYPE_CHECKING:
    from attribution.models.territory import Territory

    from .results import Computed

#: ``--shortlists`` choices → :attr:`ShortlistParams.exact`.
SHORTLIST_MODES = {"auto": "auto", "exact": "always", "bound": "never"}


@dataclass(frozen=True)
class SolveSummary:
    """What the command prints after a successful run."""

    folder: Path
    status: str
    units_let: int
    units: int
    demands: int
    score_sum: int
    gap: float | None
    outcomes: dict[str, int]
    binding: list[str]

    def lines(self) -> list[str]:
        """The summary as printed on stdout, in the current language."""
        from attribution.models.i18n import _, colon, num, pct

        from .text.labels import outcome_label, quota_label
        from .text.people import status_label

        gap = "–" if self.gap is None else pct(self.gap, 4)
        out = [_("{folder}: {status}, {let} of {units} units let, score sum {score}, "
                 "certified gap {gap}.").format(
                   folder=self.folder, status=status_label(self.status),
                   let=num(self.units_let), units=num(self.units),
                   score=num(self.score_sum), gap=gap),
               "  " + colon(_("outcomes")) + " " + _("; ").join(
                   f"{outcome_label(k)} {num(v)}" for k, v in self.outcomes.items())]
        if self.binding:
            out.append("  " + colon(_("binding quotas")) + " " + _("; ").join(
                quota_label(b) if b != "…" else b for b in self.binding))
        out.append("  " + _("open {report} (and {agenda} for the commission); 'attribution "
                            "explain RESULTS DEMAND_ID' explains one demand.").format(
            report=self.folder / "report.html", agenda=self.folder / "agenda.html"))
        return out


def progress_printer(echo: Callable[[str], None]) -> Callable[[str], None]:
    """A progress callback printing ``[  1.2 s] message`` through ``echo``."""
    start = time.perf_counter()

    def say(message: str) -> None:
        echo(f"[{time.perf_counter() - start:6.1f} s] {message}")

    return say


def _with_pause_points(progress: Callable[[str], None]) -> Callable[[str], None]:
    """``progress`` followed by :func:`attribution.interrupt.pause_point` (a test hook that
    does nothing unless ``ATTRIBUTION_PAUSE_AT`` is set)."""
    from attribution.interrupt import pause_point

    def say(message: str) -> None:
        progress(message)
        pause_point(message)

    return say


def solve_territory(territory: Path | None, out: Path, *, time_limit: float | None = None,
                    seed: int = 0, workers: int | None = None, shortlists: str = "auto",
                    price_quotas: str = "auto", force: bool = False,
                    progress: Callable[[str], None] = lambda _: None,
                    solve: Solver | None = None, params: SolveParams | None = None,
                    max_memory: int | None = None, csv_dialect: str = "standard",
                    with_names: bool = False) -> SolveSummary:
    """Run one round from a territory folder (the bundled one when ``None``) to ``out``.

    Parameters
    ----------
    territory
        Territory folder, or ``None`` for the bundled CARENE-like territory.
    out
        Results folder (written atomically; see :mod:`reporting.files.atomic`).
    time_limit, seed, workers
        Passed to the optimizer (:class:`optimizer.SolveParams`, ``solve(..., seed=)``);
        ``time_limit`` and ``workers`` override ``params`` when given.
    params
        The optimizer's parameters (e.g. from ``--params FILE``); defaults otherwise.
    max_memory
        Memory budget in bytes for the round (``--max-memory``); ``None``: 80 % of the
        memory available (:func:`models.size.default_budget`). The graph's size is
        estimated before it is built and a round beyond the budget is refused.
    shortlists
        ``auto``, ``exact`` or ``bound`` (:data:`SHORTLIST_MODES`).
    price_quotas
        ``auto``, ``always`` or ``never``: re-solve without each binding quota to price it
        (see :func:`reporting.results.compute`).
    force
        Replace an existing results folder.
    csv_dialect
        ``standard`` (the contract's CSV) or ``excel-fr`` (``;``, BOM, decimal comma).
    with_names
        Show the applicants' names in the commission agenda (agenda.html and its sheet)
        from the demands file's name column; a :class:`DataError` when there is none.
    progress
        Called with one line per step.
    solve
        Optimizer entry point (tests inject one); :func:`optimizer.solve` by default.

    Raises
    ------
    models.errors.DataError, models.errors.PolicyInfeasible, models.errors.NoSolutionInTime,
    models.size.RoundTooLarge, reporting.files.atomic.ResultsFolderError
        As documented for the command's exit codes.
    """
    check_target(out, force)          # fail before the work, not after
    progress = _with_pause_points(progress)
    path, label, loaded, names = read_territory(territory, with_names, progress)
    size = check_memory(loaded, max_memory)
    progress(_("{demands} demands, {units} units; building the compatibility graph (about "
               "{arcs} arcs, {size} GiB)").format(
        demands=num(len(loaded.demands)), units=num(len(loaded.units)), arcs=num(size.arcs),
        size=num(size.bytes / GIB, 1)))
    built = time.perf_counter()
    problem = build_problem(loaded)
    progress(_("compatibility graph: {arcs} arcs in {seconds} s (not counted in "
               "--time-limit)").format(arcs=num(len(problem.graph)),
                                        seconds=num(time.perf_counter() - built, 1)))
    params = round_params(params, time_limit, workers)
    options = ShortlistParams(exact=SHORTLIST_MODES[shortlists])
    folder, result, computed = run(problem, out, params=params, seed=seed, solve=solve,
                                   force=force, options=options, price_quotas=price_quotas,
                                   source_label=label, progress=progress,
                                   csv_dialect=csv_dialect, names=names)
    return summary_of(folder, computed)


def summary_of(folder: Path, computed: Computed) -> SolveSummary:
    """The summary of a written results folder (its computed KPIs)."""
    k = computed.kpis
    binding = sorted({q["name"] for q in k["quotas"] if q["tight"]})
    return SolveSummary(folder=folder, status=k["status"], units_let=k["counts"]["units_let"],
                        units=k["counts"]["units"], demands=k["counts"]["demands"],
                        score_sum=k["counts"]["score_sum"], gap=k["gap"],
                        outcomes={o: n for o, n in k["outcomes"].items() if n},
                        binding=binding[:12] + (["…"] if len(binding) > 12 else []))


def read_territory(territory: Path | str | None, with_names: bool = False,
                   progress: Callable[[str], None] = lambda _: None
                   ) -> tuple[Path, str, Territory, dict[str, str] | None]:
    """Read a round's territory folder (the bundled one when ``None``) as ``solve`` does:
    ``(path, label, territory, names)``; the notices (columns outside the contract) go to
    ``progress``; ``names`` (demand id → name) only with ``with_names``, a
    :class:`DataError` when the demands file has no name column."""
    path = Path(territory) if territory is not None else bundled_territory_path()
    label = path.name if territory is not None else "bundled"
    progress(_("reading {label} territory").format(label=label) if territory is not None
             else _("reading the bundled territory"))
    notices: list[str] = []
    names: dict[str, str] | None = {} if with_names else None
    loaded = load_territory(path, notices=notices, names=names)
    if with_names and not names:
        from attribution.models.errors import DataError, Problem
        from attribution.models.io.readers import NAME_COLUMNS
        raise DataError([Problem("demands", 1, "name", _(
            "--with-names needs a column of names in the demands file ({names}, or one "
            "mapped to 'name' in columns.toml); there is none").format(
            names=", ".join(NAME_COLUMNS)))])
    for notice in notices:
        progress(notice)
    return path, label, loaded, names


def round_params(params: SolveParams | None, time_limit: float | None = None,
                 workers: int | None = None) -> SolveParams:
    """The solver parameters of a round: ``params`` (``--params``; the defaults when
    ``None``) with ``--time-limit`` and ``--workers`` overriding it when given."""
    change = {k: v for k, v in (("time_limit", time_limit), ("workers", workers))
              if v is not None}
    return dataclasses.replace(params if params is not None else SolveParams(), **change)
