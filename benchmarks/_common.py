"""What every benchmark script shares: the machine description and recording a section.

Scripts run as ``python benchmarks/bench_<x>.py``, so this module is importable as
``_common`` (the script's folder is first on ``sys.path``).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from collections.abc import Callable
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


def run_script(script: str, args: list[str], src: Path | None) -> dict:
    """A fresh ``python -c script args`` process — with ``src/attribution`` (a baseline
    checkout) first on the path when ``src`` is given — and the JSON of its last line."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src.resolve())
    out = subprocess.run([sys.executable, "-c", script, *args], capture_output=True,
                         text=True, check=True, env=env, cwd="/")
    return json.loads(out.stdout.strip().splitlines()[-1])


def interleaved(once: Callable[[Path | None], dict], runs: int,
                baseline_src: Path | None) -> dict[str, list[dict]]:
    """``runs`` measures of this code (``once(None)``) and, with ``baseline_src``, of the
    baseline (``once(baseline_src)``) taken alternately: ``{"this code": [...],
    "baseline": [...]}``."""
    got: dict[str, list[dict]] = {"this code": []}
    if baseline_src is not None:
        got["baseline"] = []
    for _ in range(runs):
        if baseline_src is not None:
            got["baseline"].append(once(baseline_src))
        got["this code"].append(once(None))
    return got


def side_by_side(runs: dict[str, list[dict]], key: str, count: str) -> tuple[list[str], dict]:
    """Markdown rows ``| code | runs[0][count] | key of each run | median key | median
    wall |`` of :func:`interleaved`'s measures, and the median of ``key`` per code."""
    import statistics

    lines, med = [], {}
    for name, got in runs.items():
        med[name] = statistics.median(r[key] for r in got)
        lines.append(f"| {name} | {got[0][count]} | "
                     f"{', '.join(format(r[key], '.2f') for r in got)} | {med[name]:.2f} | "
                     f"{statistics.median(r['wall'] for r in got):.2f} |")
    return lines, med
