"""The layering of the design card: cli → scenarios → reporting → optimizer → models.

A package may import only from layers below it; ``models`` never imports ortools. Checked
on the source (AST), so a lazy import inside a function counts too.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ["models", "optimizer", "reporting", "scenarios"]  # lowest first
FORBIDDEN_THIRD_PARTY = {"models": {"ortools"}}


def _imported_top_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", LAYERS)
def test_package_imports_only_lower_layers(package):
    """No module of a layer imports a layer above it (or cli)."""
    allowed_index = LAYERS.index(package)
    above = set(LAYERS[allowed_index + 1:]) | {"cli"}
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
    f.write_text("import numpy\ndef g():\n    from optimizer.solve import solve\n")
    assert _imported_top_names(f) == {"numpy", "optimizer"}
