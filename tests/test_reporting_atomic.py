"""The results folder is written atomically: all of it or nothing, never a half-replaced one."""

import pytest

from attribution.reporting.atomic import MARKER, ResultsFolderError, atomic_folder, check_target


class Boom(Exception):
    pass


def _leftovers(parent):
    """Hidden temporary or old folders left beside the target."""
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


def _write_results(folder, text="new"):
    (folder / MARKER).write_text("{}")
    (folder / "a.csv").write_text(text)


def test_success_renames_the_complete_folder_into_place(tmp_path):
    """After the block, the target holds exactly what was written and no temp is left."""
    target = tmp_path / "results"
    with atomic_folder(target) as tmp:
        assert tmp != target and tmp.parent == tmp_path
        _write_results(tmp)
        assert not target.exists()
    assert sorted(p.name for p in target.iterdir()) == ["a.csv", MARKER]
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("exc", [Boom("disk full"), KeyboardInterrupt(), SystemExit(130)])
def test_a_failure_leaves_nothing(tmp_path, exc):
    """An exception, Ctrl-C or SystemExit inside the block leaves no folder at all."""
    target = tmp_path / "results"
    with pytest.raises(type(exc)):
        with atomic_folder(target) as tmp:
            _write_results(tmp)
            raise exc
    assert not target.exists()
    assert _leftovers(tmp_path) == []


def test_existing_folder_is_refused_without_force(tmp_path):
    """Without force an existing folder is an error and is left untouched."""
    target = tmp_path / "results"
    target.mkdir()
    _write_results(target, "old")
    with pytest.raises(ResultsFolderError, match="already exists; pass --force"):
        with atomic_folder(target):
            pass
    assert (target / "a.csv").read_text() == "old"


def test_force_replaces_only_after_the_new_folder_is_complete(tmp_path):
    """With force, a failing run keeps the old results; a successful one replaces them."""
    target = tmp_path / "results"
    target.mkdir()
    _write_results(target, "old")
    with pytest.raises(Boom):
        with atomic_folder(target, force=True) as tmp:
            _write_results(tmp, "new")
            assert (target / "a.csv").read_text() == "old"
            raise Boom()
    assert (target / "a.csv").read_text() == "old"
    with atomic_folder(target, force=True) as tmp:
        _write_results(tmp, "new")
    assert (target / "a.csv").read_text() == "new"
    assert _leftovers(tmp_path) == []


def test_force_refuses_a_folder_this_tool_did_not_write(tmp_path):
    """A non-empty folder without manifest.json is never replaced, even with force."""
    target = tmp_path / "home"
    target.mkdir()
    (target / "thesis.tex").write_text("precious")
    with pytest.raises(ResultsFolderError, match="holds no manifest.json"):
        check_target(target, force=True)
    assert (target / "thesis.tex").read_text() == "precious"


def test_force_accepts_an_empty_folder(tmp_path):
    """An empty existing folder may be replaced with force."""
    target = tmp_path / "results"
    target.mkdir()
    with atomic_folder(target, force=True) as tmp:
        _write_results(tmp)
    assert (target / MARKER).exists()


def test_a_file_or_a_missing_parent_is_refused(tmp_path):
    """The target must be a folder whose parent exists."""
    (tmp_path / "f").write_text("x")
    with pytest.raises(ResultsFolderError, match="must be a folder; got a file"):
        check_target(tmp_path / "f", force=True)
    with pytest.raises(ResultsFolderError, match="must be an existing folder"):
        check_target(tmp_path / "no" / "results")
