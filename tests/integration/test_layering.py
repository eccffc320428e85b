"""The layering of the design card: cli → ledger → scenarios → reporting → optimizer → models.

A package may import only from layers below it; ``models`` never imports ortools. Checked
on the source (AST), so a lazy import inside a function counts too.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ["models", "optimizer", "reporting", "scenarios", "ledger", "web"]  # lowest first
FORBIDDEN_THIRD_PARTY = {"models": {"ortools"}}


def _layer(module: str) -> str:
    """The layer a dotted module name belongs to: ``attribution.models.x`` → ``models``;
    a third-party module → its top-level name."""
    parts = module.split(".")
    if parts[0] == "attribution":
        return parts[1] if len(parts) > 1 else "attribution"
    return parts[0]


def _imported_top_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(_layer(alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "attribution":  # from attribution import models
                names.update(alias.name for alias in node.names)
            else:
                names.add(_layer(node.module))
    return names


@pytest.mark.parametrize("package", LAYERS)
def test_package_imports_only_lower_layers(package):
    """No module of a layer imports a layer above it (or cli)."""
    allowed_index = LAYERS.index(package)
    above = set(LAYERS[allowed_index + 1:]) | {"cli", "attribution"}
    forbidden = above | FORBIDDEN_THIRD_PARTY.get(package, set())
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        bad = _imported_top_names(path) & forbidden
        if bad:
            offenders.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    assert not offenders, "layering broken:\n" + "\n".join(offenders)


def test_layering_check_detects_a_violation(tmp_path):
    """The checker itself sees both plain and lazy (in-function) imports."""
    f = tmp_path / "m.py"
    f.write_text("import numpy\ndef g():\n    from attribution.optimizer.solve import solve\n"
                 "from attribution import scenarios\n")
    assert _imported_top_names(f) == {"numpy", "optimizer", "scenarios"}


def test_no_bare_layer_imports():
    """Every module imports the layers through the ``attribution`` namespace: an
    ``import models`` would pick up any other installed package of that name."""
    offenders = []
    for path in sorted(ROOT.glob("*.py")) + sorted(
            p for d in LAYERS + ["tests", "benchmarks"] for p in (ROOT / d).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            mods = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                    [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0
                    and node.module else [])
            for m in mods:
                if m.split(".")[0] in set(LAYERS) | {"cli"}:
                    offenders.append(f"{path.relative_to(ROOT)}: {m}")
    assert not offenders, "bare layer imports:\n" + "\n".join(offenders)
