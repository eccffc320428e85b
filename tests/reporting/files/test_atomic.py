"""The results folder is written atomically, and --force replaces only what this tool wrote.

Regression tests of issue 10's data-loss probes: user files in a results folder, a web
extension's manifest.json, ``--out .``, a symbolic link, folders left by ``kill -9``.
"""

import hashlib
import json
import os
import subprocess
import sys

import pytest
from attribution.models.io import folders
from attribution.reporting.files.atomic import (
    MARKER,
    ResultsFolderError,
    atomic_folder,
    check_target,
)


class Boom(Exception):
    pass


def _leftovers(parent):
    """Hidden temporary or old folders left beside the target."""
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


def _write_results(folder, text="new"):
    """A results folder as the tool writes it: files, and a manifest listing them."""
    (folder / "a.csv").write_text(text)
    (folder / "kpis.json").write_text("{}")
    digest = hashlib.sha256(text.encode()).hexdigest()
    (folder / MARKER).write_text(json.dumps({
        "tool": "attribution", "version": "0.1.0", "kind": "results",
        "outputs": {"a.csv": digest}}))


def test_success_renames_the_complete_folder_into_place(tmp_path):
    """After the block, the target holds exactly what was written and no temp is left."""
    target = tmp_path / "results"
    with atomic_folder(target) as tmp:
        assert tmp != target and tmp.parent == tmp_path
        _write_results(tmp)
        assert not target.exists()
    assert sorted(p.name for p in target.iterdir()) == ["a.csv", "kpis.json", MARKER]
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("exc", [Boom("disk full"), KeyboardInterrupt(), SystemExit(130)])
def test_a_failure_leaves_nothing(tmp_path, exc):
    """An exception, Ctrl-C or SystemExit inside the block leaves no folder at all."""
    target = tmp_path / "results"
    with pytest.raises(type(exc)), atomic_folder(target) as tmp:
        _write_results(tmp)
        raise exc
    assert not target.exists()
    assert _leftovers(tmp_path) == []


@pytest.mark.usefixtures("english_messages")
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
    with pytest.raises(Boom), atomic_folder(target, force=True) as tmp:
        _write_results(tmp, "new")
        assert (target / "a.csv").read_text() == "old"
        raise Boom()
    assert (target / "a.csv").read_text() == "old"
    with atomic_folder(target, force=True) as tmp:
        _write_results(tmp, "new")
    assert (target / "a.csv").read_text() == "new"
    assert _leftovers(tmp_path) == []


@pytest.mark.usefixtures("english_messages")
def test_force_refuses_a_folder_this_tool_did_not_write(tmp_path):
    """A non-empty folder without manifest.json is never replaced, even with force."""
    target = tmp_path / "home"
    target.mkdir()
    (target / "thesis.tex").write_text("precious")
    with pytest.raises(ResultsFolderError, match="holds no manifest.json"):
        check_target(target, force=True)
    assert (target / "thesis.tex").read_text() == "precious"


@pytest.mark.usefixtures("english_messages")
@pytest.mark.parametrize("manifest", [
    '{"manifest_version": 3, "name": "My extension", "version": "1.0"}',  # a web extension
    '{"tool": "attribution"}',                                           # no version, no list
    '{"tool": "other", "version": "1", "kind": "results", "outputs": {}}',
    "not json at all",
    "[" * 100_000,                                                        # deeply nested
])
def test_another_programs_manifest_is_not_a_marker(tmp_path, manifest):
    """The probe: a web-extension source tree lost its README and src/. Only a manifest
    naming this tool, its version and the files it wrote marks a folder as ours."""
    target = tmp_path / "extension"
    (target / "src").mkdir(parents=True)
    (target / "src" / "main.js").write_text("code")
    (target / "README.md").write_text("readme")
    (target / MARKER).write_text(manifest)
    with pytest.raises(ResultsFolderError, match="holds no manifest.json written by"):
        with atomic_folder(target, force=True) as tmp:
            _write_results(tmp)
    assert (target / "src" / "main.js").read_text() == "code"
    assert _leftovers(tmp_path) == []


@pytest.mark.usefixtures("english_messages")
def test_force_refuses_listing_the_users_files(tmp_path):
    """The probe: notes, a signed annex and a screenshot saved in a results folder were
    deleted by --force. Now the command refuses and names every one of them."""
    target = tmp_path / "results"
    target.mkdir()
    _write_results(target, "old")
    (target / "notes_commission.txt").write_text("mine")
    (target / "annexes").mkdir()
    (target / "annexes" / "signed.pdf").write_bytes(b"%PDF")
    (target / "report.png").write_bytes(b"png")
    with pytest.raises(ResultsFolderError) as caught:
        with atomic_folder(target, force=True) as tmp:
            _write_results(tmp, "new")
    message = str(caught.value)
    for lost in ("notes_commission.txt", "annexes/signed.pdf", "report.png"):
        assert lost in message
    assert "3 entries" in message
    assert (target / "a.csv").read_text() == "old"
    assert (target / "annexes" / "signed.pdf").read_bytes() == b"%PDF"
    assert _leftovers(tmp_path) == []


@pytest.mark.usefixtures("english_messages")
def test_force_refuses_a_table_edited_by_hand(tmp_path):
    """A file the tool wrote but the user changed since is the user's work: refused."""
    target = tmp_path / "results"
    target.mkdir()
    _write_results(target, "old")
    (target / "a.csv").write_text("old, with the commission's corrections")
    with pytest.raises(ResultsFolderError, match=r"a\.csv \(changed since it was written\)"):
        check_target(target, force=True)


def test_force_refuses_a_link_inside_the_folder(tmp_path):
    """A symbolic link the user put in the folder is not ours either."""
    target = tmp_path / "results"
    target.mkdir()
    _write_results(target)
    (tmp_path / "elsewhere").mkdir()
    (target / "data").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(ResultsFolderError, match=r"data \(a link\)"):
        check_target(target, force=True)


@pytest.mark.usefixtures("english_messages")
def test_solve_never_replaces_a_generated_territory(tmp_path):
    """Kinds do not mix: a territory written by generate is not a results folder."""
    from attribution.models.generator import write_territory
    territory = write_territory(tmp_path / "terr", 1, 20, 5)
    with pytest.raises(ResultsFolderError, match="is a territory folder"):
        check_target(territory, force=True)


@pytest.mark.usefixtures("english_messages")
@pytest.mark.parametrize("where", [".", "..", "../.."])
def test_the_current_folder_and_its_ancestors_are_refused(tmp_path, monkeypatch, where):
    """The probe: `cd results && solve --out . --force` replaced the folder, then failed."""
    target = tmp_path / "a" / "b" / "results"
    target.mkdir(parents=True)
    _write_results(target, "old")
    monkeypatch.chdir(target)
    with pytest.raises(ResultsFolderError, match="current folder"):
        with atomic_folder(where, force=True) as tmp:
            _write_results(tmp)
    assert (target / "a.csv").read_text() == "old"


def test_a_link_is_followed_and_stays_a_link(tmp_path):
    """The probe: --force through a symlink left a hidden .NAME.old-* link and turned the
    link into a folder. Now the link is followed: the folder it points to is replaced,
    the link still points to it, and nothing is left beside either."""
    real = tmp_path / "store" / "results-2025"
    real.mkdir(parents=True)
    _write_results(real, "old")
    link = tmp_path / "results"
    link.symlink_to(real)
    assert check_target(link, force=True) == real
    with atomic_folder(link, force=True) as tmp:
        assert tmp.parent == real.parent
        _write_results(tmp, "new")
    assert link.is_symlink() and link.resolve() == real
    assert (real / "a.csv").read_text() == "new"
    assert _leftovers(tmp_path) == [] and _leftovers(real.parent) == []


def test_a_dangling_link_writes_where_it_points(tmp_path):
    """A link to a folder that does not exist yet: the folder is created there."""
    (tmp_path / "store").mkdir()
    link = tmp_path / "results"
    link.symlink_to(tmp_path / "store" / "new")
    with atomic_folder(link) as tmp:
        _write_results(tmp)
    assert link.is_symlink() and (tmp_path / "store" / "new" / "a.csv").exists()


def test_force_accepts_an_empty_folder(tmp_path):
    """An empty existing folder may be replaced with force."""
    target = tmp_path / "results"
    target.mkdir()
    with atomic_folder(target, force=True) as tmp:
        _write_results(tmp)
    assert (target / MARKER).exists()


@pytest.mark.usefixtures("english_messages")
def test_a_file_or_a_missing_parent_is_refused(tmp_path):
    """The target must be a folder whose parent exists."""
    (tmp_path / "f").write_text("x")
    with pytest.raises(ResultsFolderError, match="must be a folder; got a file"):
        check_target(tmp_path / "f", force=True)
    with pytest.raises(ResultsFolderError, match="must be an existing folder"):
        check_target(tmp_path / "no" / "results")


def _dead_pid():
    """The id of a process that has exited (the way kill -9 leaves one)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_folders_left_by_kill_9_are_cleaned_at_the_next_run(tmp_path):
    """An unfinished temporary folder of a dead process is removed; a replaced old folder
    is deleted when the target exists; the living process's folders are left alone."""
    target = tmp_path / "results"
    target.mkdir()
    _write_results(target, "current")
    host, dead = folders._host_tag(), _dead_pid()
    stale_tmp = tmp_path / f".results.tmp-{host}-{dead}-0123abcd"
    stale_tmp.mkdir()
    (stale_tmp / "big.csv").write_text("x" * 1000)
    stale_old = tmp_path / f".results.old-{host}-{dead}-4567abcd"
    stale_old.mkdir()
    _write_results(stale_old, "older")
    alive = tmp_path / f".results.tmp-{host}-{os.getpid()}-89abcdef"
    alive.mkdir()
    other = tmp_path / f".other.tmp-{host}-{dead}-0123abcd"
    other.mkdir()
    with atomic_folder(target, force=True) as tmp:
        _write_results(tmp, "new")
    assert _leftovers(tmp_path) == sorted([alive.name, other.name])
    assert (target / "a.csv").read_text() == "new"


@pytest.mark.usefixtures("english_messages")
def test_an_interrupted_replace_is_undone_at_the_next_run(tmp_path):
    """Killed between the two renames: the target is missing and the old folder aside;
    the next run puts it back before going on."""
    target = tmp_path / "results"
    old = tmp_path / f".results.old-{folders._host_tag()}-{_dead_pid()}-0123abcd"
    old.mkdir()
    _write_results(old, "previous")
    with pytest.raises(ResultsFolderError, match="already exists"):
        check_target(target)  # the check at the start of a run
    assert (target / "a.csv").read_text() == "previous"
    assert _leftovers(tmp_path) == []


def test_only_the_files_the_tool_wrote_are_deleted(tmp_path):
    """Replacing deletes the old folder's listed files only: a file that appeared after
    the last check (a race) is kept, in a visible RESULTS.kept-* folder, not deleted."""
    old = tmp_path / f".results.old-{folders._host_tag()}-{os.getpid()}-0123abcd"
    old.mkdir()
    _write_results(old)
    manifest = folders.read_marker(old)
    (old / "late_note.txt").write_text("written during the run")
    folders._remove_written(old, manifest)
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("results.kept-")]
    assert len(kept) == 1 and sorted(p.name for p in kept[0].iterdir()) == ["late_note.txt"]
    assert not old.exists()


@pytest.mark.usefixtures("english_messages")
def test_generate_refuses_the_current_folder(tmp_path, monkeypatch):
    """`attribution generate . --force` inside a generated territory: refused, exit 2."""
    from attribution.cli import main
    from attribution.models.generator import write_territory
    from click.testing import CliRunner
    territory = write_territory(tmp_path / "terr", 1, 20, 5)
    monkeypatch.chdir(territory)
    result = CliRunner().invoke(main, ["generate", ".", "--force", "--demands", "5",
                                       "--units", "2"])
    assert result.exit_code == 2 and "current folder" in result.output
    assert (territory / "demands.csv").exists()


@pytest.mark.usefixtures("english_messages")
def test_solve_refuses_the_current_folder_before_any_work(tmp_path, monkeypatch):
    """The probe: `cd results && attribution solve --out . --force` (exit 2 at once)."""
    from attribution.cli import main
    from click.testing import CliRunner
    target = tmp_path / "results"
    target.mkdir()
    _write_results(target, "old")
    monkeypatch.chdir(target)
    result = CliRunner().invoke(main, ["solve", "--out", ".", "--force", "-q"])
    assert result.exit_code == 2 and "current folder" in result.output
    assert "reading" not in result.output
    assert (target / "a.csv").read_text() == "old"
