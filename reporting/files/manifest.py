"""``manifest.json``: what a results folder was computed from, so that anyone can redo it.

Holds the input files' SHA-256 (``Territory.file_hashes``), the policy as parsed, the seed
and parameters, the package, solver and library versions, the platform, and the hashes of
the other output files. The wall-clock times are grouped under :data:`TIMING_KEY`, the only
key that differs between two runs on the same inputs and seed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import platform
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

from attribution.models.territory import Territory
from attribution.optimizer.params import SolveParams

#: Key of the run-dependent times in manifest.json and kpis.json.
TIMING_KEY = "timing"
#: Libraries whose versions are recorded.
LIBRARIES = ("ortools", "numpy", "pandas", "scipy", "openpyxl", "click")


def package_version(name: str = "attribution") -> str:
    """Installed version of a distribution, or ``"not installed"``."""
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def to_jsonable(obj: Any) -> Any:
    """Dataclasses, dates, numpy scalars/arrays, tuples and paths as plain JSON values."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, (dt.date, dt.datetime)):
        return obj.isoformat()
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, enum.Enum):
        return obj.name
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    return obj


def build_manifest(territory: Territory, *, seed: int, params: SolveParams | None,
                   options: dict[str, Any], outputs: dict[str, str],
                   timing: dict[str, Any], source_label: str) -> dict[str, Any]:
    """The manifest of one run.

    Parameters
    ----------
    territory
        The territory solved (its ``file_hashes`` and ``policy`` are recorded).
    seed
        The seed of the solve.
    params
        The solver parameters (a dataclass, recorded field by field).
    options
        Other options of the run (shortlist settings...).
    outputs
        Output file name → SHA-256.
    timing
        Start and end times, solve seconds (the run-dependent part).
    source_label
        How the input was named: the folder's name, or ``"bundled"``.
    """
    return {
        "tool": "attribution",
        "version": package_version(),
        "kind": "results",
        "input": {"source": source_label,
                  "files": dict(sorted((territory.file_hashes or {}).items())),
                  "demands": len(territory.demands), "units": len(territory.units)},
        "policy": to_jsonable(territory.policy),
        "seed": int(seed),
        "params": to_jsonable(params),
        "options": to_jsonable(options),
        "versions": {"python": sys.version.split()[0],
                     **{lib: package_version(lib) for lib in LIBRARIES}},
        "platform": {"system": platform.system(), "release": platform.release(),
                     "machine": platform.machine(),
                     "python_implementation": platform.python_implementation()},
        "outputs": dict(sorted(outputs.items())),
        TIMING_KEY: to_jsonable(timing),
    }
