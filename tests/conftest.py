"""The tests' named fixtures (PyVRP's ``ok_small`` style): each names one instance that
several test modules share, built by :mod:`builders` (the one module of builders).

- ``tiny_territory``: a folder holding the hand-written valid territory (8 demands, 4
  units, every quota key; ``builders.write_tiny_territory``), fresh for each test.
- ``territory``: a small generated territory folder (seed 4, 250 demands, 12 units) for
  the command-line tests, one per module.
- ``small_round``: the problem of ``random_territory(31, 150, 8)`` (CARENE-shaped,
  150 demands, 8 units), shared by the explanation, workbook and pages tests.
- ``report_round``: the problem of ``random_territory(41, 150, 8)``, the HTML report's.
- ``quota_round``: ``random_problem(1, 40, 10, 0.3, full_policy())`` (hand-sized, every
  quota key), for the bound and the quick allocation.
- ``chromium_path``: Debian's headless Chromium, for the browser tests.

Problems are frozen (their arrays read-only), so a session-wide instance is safe to share.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from builders import full_policy, random_problem, random_territory, write_tiny_territory


@pytest.fixture
def english_messages(monkeypatch):
    """Run a test in English (library calls, the commands' --lang default and the
    subprocesses they start): for tests that check the English source text of messages;
    the French of every message is checked by tests/integration/test_i18n.py and
    tests/test_french_outputs.py."""
    from attribution.models.i18n import language
    monkeypatch.setenv("ATTRIBUTION_LANG", "en")
    with language("en"):
        yield


@pytest.fixture
def tiny_territory(tmp_path: Path) -> Path:
    """Folder holding the tiny valid territory."""
    return write_tiny_territory(tmp_path / "tiny")


@pytest.fixture(scope="module")
def territory(tmp_path_factory):
    """A small generated territory folder (seed 4, 250 demands, 12 units) for CLI tests."""
    from attribution.models.generator import write_territory
    path = tmp_path_factory.mktemp("t") / "territory"
    write_territory(path, 4, 250, 12)
    return path


@pytest.fixture(scope="session")
def small_round():
    """The problem of the CARENE-shaped ``random_territory(31, 150, 8)``."""
    from attribution.models.compatibility import build_problem
    return build_problem(random_territory(31, 150, 8))


@pytest.fixture(scope="session")
def report_round():
    """The problem of the CARENE-shaped ``random_territory(41, 150, 8)``."""
    from attribution.models.compatibility import build_problem
    return build_problem(random_territory(41, 150, 8))


@pytest.fixture(scope="session")
def quota_round():
    """The hand-sized ``random_problem(1, 40, 10, 0.3, full_policy())``."""
    return random_problem(1, 40, 10, 0.3, full_policy())


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's headless Chromium. Skipped on a developer machine without it; under CI
    (CI=true) a missing browser is a failure, since .ci/run installs it."""
    import os
    import shutil
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but chromium is missing: .ci/run should have installed it")
        pytest.skip("headless Chromium is not installed (apt-get install chromium)")
    return found
