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
from typing import Any

from attribution.models.compatibility import build_problem
from attribution.models.generator import bundled_territory_path
from attribution.models.readers import load_territory
from attribution.models.size import GIB, check_memory
from attribution.optimizer import SolveParams

from .atomic import check_target
from .results import run
from .shortlists import ShortlistParams

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
        """The summary as printed on stdout."""
        gap = "–" if self.gap is None else f"{self.gap:.4%}"
        out = [f"{self.folder}: {self.status}, {self.units_let} of {self.units} units let, "
               f"score sum {self.score_sum}, certified gap {gap}.",
               "  outcomes: " + ", ".join(f"{k} {v}" for k, v in self.outcomes.items())]
        if self.binding:
            out.append("  binding quotas: " + ", ".join(self.binding))
        out.append(f"  open {self.folder / 'report.html'}; "
                   "'attribution explain RESULTS DEMAND_ID' explains one demand.")
        return out


def progress_printer(echo: Callable[[str], None]) -> Callable[[str], None]:
    """A progress callback printing ``[  1.2 s] message`` through ``echo``."""
    start = time.perf_counter()

    def say(message: str) -> None:
        echo(f"[{time.perf_counter() - start:6.1f} s] {message}")

    return say


def solve_territory(territory: Path | None, out: Path, *, time_limit: float | None = None,
                    seed: int = 0, workers: int | None = None, shortlists: str = "auto",
                    price_quotas: str = "auto", force: bool = False,
                    progress: Callable[[str], None] = lambda _: None,
                    solve: Any = None, params: SolveParams | None = None,
                    max_memory: int | None = None) -> SolveSummary:
    """Run one round from a territory folder (the bundled one when ``None``) to ``out``.

    Parameters
    ----------
    territory
        Territory folder, or ``None`` for the bundled CARENE-like territory.
    out
        Results folder (written atomically; see :mod:`reporting.atomic`).
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
    progress
        Called with one line per step.
    solve
        Optimizer entry point (tests inject one); :func:`optimizer.solve` by default.

    Raises
    ------
    models.errors.DataError, models.errors.PolicyInfeasible, models.errors.NoSolutionInTime,
    models.size.RoundTooLarge, reporting.atomic.ResultsFolderError
        As documented for the command's exit codes.
    """
    check_target(out, force)          # fail before the work, not after
    path = Path(territory) if territory is not None else bundled_territory_path()
    label = path.name if territory is not None else "bundled"
    progress(f"reading {label} territory")
    loaded = load_territory(path)
    size = check_memory(loaded, max_memory)
    progress(f"{len(loaded.demands)} demands, {len(loaded.units)} units; building the "
             f"compatibility graph (about {size.arcs:,} arcs, {size.bytes / GIB:.1f} GiB)")
    problem = build_problem(loaded)
    change = {k: v for k, v in (("time_limit", time_limit), ("workers", workers))
              if v is not None}
    params = dataclasses.replace(params if params is not None else SolveParams(), **change)
    options = ShortlistParams(exact=SHORTLIST_MODES[shortlists])
    folder, result, computed = run(problem, out, params=params, seed=seed, solve=solve,
                                   force=force, options=options, price_quotas=price_quotas,
                                   source_label=label, progress=progress)
    k = computed.kpis
    binding = sorted({q["name"] for q in k["quotas"] if q["tight"]})
    return SolveSummary(folder=folder, status=k["status"], units_let=k["counts"]["units_let"],
                        units=k["counts"]["units"], demands=k["counts"]["demands"],
                        score_sum=k["counts"]["score_sum"], gap=k["gap"],
                        outcomes={o: n for o, n in k["outcomes"].items() if n},
                        binding=binding[:12] + (["…"] if len(binding) > 12 else []))
