"""What-if layer: simulated years of rounds, scenario files, batch runs on Dask.

Read a scenario file with :func:`load_scenario`, make it ready with :func:`prepare`,
simulate one year for one seed with :func:`simulate_year`, many (scenario, seed) years in
parallel with :func:`run_batch`, and reduce them with :func:`year_kpis` /
:func:`summarise`. The model and the file format are in ``docs/scenarios.md``.
"""

from .accounts import Accounts, annual_check
from .batch import BatchResult, run_batch
from .year_kpis import summarise, year_kpis
from .output import write_results
from .simulation import Prepared, TaskTimeout, YearResult, prepare, simulate_year
from .spec import Scenario, examples, load_scenario

__all__ = [
    "Accounts", "BatchResult", "Prepared", "Scenario", "TaskTimeout", "YearResult",
    "annual_check", "examples", "load_scenario", "prepare", "run_batch", "simulate_year",
    "summarise", "write_results", "year_kpis",
]
