"""What every benchmark script shares: the machine description and recording a section.

Scripts run as ``python benchmarks/bench_<x>.py``, so this module is importable as
``_common`` (the script's folder is first on ``sys.path``).
"""

from __future__ import annotations

import os
import platform
from importlib.metadata import version
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def machine(packages: tuple[str, ...] = ("numpy", "pandas")) -> dict:
    """``nproc``, CPU model, Python and the given packages' versions."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            **{p: version(p) for p in packages}}


def publish(section: str, record: bool) -> None:
    """Print a Markdown section; with ``record``, append it to ``benchmarks/RESULTS.md``."""
    print(section)
    if record:
        with open(RESULTS, "a", encoding="utf-8") as f:
            f.write(section)
