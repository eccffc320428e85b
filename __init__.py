"""attribution — an attribution optimisation solver for social housing.

The public API, re-exported from the layers (imported on first use, so that
``import attribution`` and the command line start fast)::

    import attribution
    territory = attribution.load_territory("my-territory/")
    problem = attribution.build_problem(territory)
    result = attribution.solve(problem, attribution.SolveParams(time_limit=30))
    assert not attribution.check_allocation(problem, result.arcs)  # no violation

Layers, lowest first: ``attribution.models`` (the domain, no solver), ``attribution.optimizer``
(OR-Tools), ``attribution.reporting`` (the results folder), ``attribution.scenarios``
(simulated years), ``attribution.cli`` (the ``attribution`` command).
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

#: public name -> the module that defines it
_EXPORTS = {
    "load_territory": "attribution.models",
    "load_policy": "attribution.models",
    "build_problem": "attribution.models",
    "build_graph": "attribution.models",
    "check_allocation": "attribution.models",
    "generate_territory": "attribution.models",
    "bundled_territory_path": "attribution.models",
    "AllocationProblem": "attribution.models",
    "CompatibilityGraph": "attribution.models",
    "Territory": "attribution.models",
    "Policy": "attribution.models",
    "AttributionError": "attribution.models",
    "DataError": "attribution.models",
    "PolicyInfeasible": "attribution.models",
    "NoSolutionInTime": "attribution.models",
    "InvalidAllocation": "attribution.models",
    "SolverFailure": "attribution.models",
    "solve": "attribution.optimizer",
    "SolveParams": "attribution.optimizer",
    "Result": "attribution.optimizer",
    "compute_results": ("attribution.reporting", "compute"),
    "write_results": ("attribution.reporting", "write"),
    "run_round": ("attribution.reporting", "run"),
    "explain": "attribution.reporting",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str):
    target = _EXPORTS.get(name)
    if target is None:
        raise AttributeError(f"module 'attribution' has no attribute {name!r}")
    module, attr = (target, name) if isinstance(target, str) else target
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
