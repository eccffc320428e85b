"""Issue 11: no function in ``optimizer/`` longer than ~60 lines (docstring excluded)."""

import ast
from pathlib import Path

import pytest

OPTIMIZER = Path(__file__).resolve().parent.parent.parent / "optimizer"
MAX_LINES = 60


def _lengths(path: Path):
    """``(name, first line, lines of code)`` of every function of ``path``: from its
    ``def`` to its last line, minus the lines of its docstring."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            lines = node.end_lineno - node.lineno + 1
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                lines -= first.end_lineno - first.lineno + 1
            yield node.name, node.lineno, lines


def test_the_measure_counts_code_not_docstrings(tmp_path):
    """A 3-line docstring and 2 lines of body: 3 lines counted (def + body)."""
    f = tmp_path / "m.py"
    f.write_text('def f():\n    """a\n    b\n    c"""\n    x = 1\n    return x\n')
    assert list(_lengths(f)) == [("f", 1, 3)]


@pytest.mark.parametrize("path", sorted(OPTIMIZER.glob("*.py")), ids=lambda p: p.name)
def test_no_long_function_in_the_optimizer(path):
    """Every function of the module fits on a screen."""
    long = [f"{name} (line {line}): {n} lines" for name, line, n in _lengths(path)
            if n > MAX_LINES]
    assert not long, f"{path.name}: functions over {MAX_LINES} lines: {long}"
