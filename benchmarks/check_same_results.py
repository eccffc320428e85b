"""Check that a change to the code did not change the results folder (issue 12).

Runs ``attribution solve --out DIR --force`` twice, fresh processes, on the same inputs:
once with a baseline checkout (``--baseline-src DIR`` holding ``DIR/attribution``, e.g.
``git archive <commit>`` unpacked there), once with the installed package, and compares
the two folders file by file. Every file must be byte-identical, except ``kpis.json`` and
``manifest.json``, which are compared after dropping the run's times (``started_at``,
``finished_at``, ``solve_seconds``, ``total_seconds``) and the hash of ``manifest``'s
outputs is checked for every other file. Extra arguments after ``--`` go to both runs
(e.g. ``-- --csv-dialect excel``). Exit 0 when identical, 1 otherwise.

Usage::

    python benchmarks/check_same_results.py --baseline-src /tmp/base [-- ARGS...]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

TIMES = {"started_at", "finished_at", "solve_seconds", "total_seconds"}


def _strip(value):
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in TIMES}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _run(out: Path, extra: list[str], src: Path | None) -> None:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src.resolve())
    subprocess.run([sys.executable, "-m", "attribution", "solve", "--out", str(out),
                    "--force", "-q", *extra], check=True, env=env, cwd="/",
                   stdout=subprocess.DEVNULL)


def compare(a: Path, b: Path) -> list[str]:
    """Differences between two results folders (empty = the same)."""
    problems = []
    names_a = sorted(p.name for p in a.iterdir())
    names_b = sorted(p.name for p in b.iterdir())
    if names_a != names_b:
        problems.append(f"files differ: {names_a} vs {names_b}")
    for name in sorted(set(names_a) & set(names_b)):
        x, y = (a / name).read_bytes(), (b / name).read_bytes()
        if name in ("kpis.json", "manifest.json"):
            if _strip(json.loads(x)) != _strip(json.loads(y)):
                problems.append(f"{name}: differs beyond the run's times")
        elif x != y:
            problems.append(f"{name}: bytes differ ({len(x)} vs {len(y)} bytes)")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline-src", type=Path, required=True)
    parser.add_argument("extra", nargs="*")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base, new = Path(tmp) / "base", Path(tmp) / "new"
        _run(base, args.extra, args.baseline_src)
        _run(new, args.extra, None)
        problems = compare(base, new)
    for p in problems:
        print("DIFFERENT:", p)
    if not problems:
        print("identical (apart from the run's times in kpis.json and manifest.json)")
    raise SystemExit(1 if problems else 0)


if __name__ == "__main__":
    main()
