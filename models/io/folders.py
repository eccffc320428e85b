"""Write an output folder atomically, and replace only a folder this tool wrote.

Every folder the package writes (a results folder of ``solve``, ``simulate`` or
``compare``; a territory of ``generate``) holds a ``manifest.json`` naming the tool
(``"tool": "attribution"``), its version, the kind of folder and every file it wrote
(``"outputs"``, or ``"files"`` for a territory, with each file's SHA-256). That manifest is
the marker: ``--force`` replaces an existing folder only when

* it is empty, or
* its ``manifest.json`` names this tool and a kind the command may replace (``solve``
  never replaces a generated territory, ``generate`` never a results folder), **and** the
  folder holds nothing else than the files that manifest lists, each unchanged since it was
  written (same SHA-256).

Anything else — a note saved beside the results, a subfolder, a symbolic link, a table
edited by hand — makes the command refuse, listing what would be lost. A ``manifest.json``
of another program (a web extension's) is not a marker.

The target path is resolved first (``~`` expanded, symbolic links followed: ``--out link``
writes the folder the link points to and the link stays a link). The current folder and
its ancestors are refused.

Writing goes into a hidden temporary folder beside the target, ``.NAME.tmp-HOST-PID-HEX``,
renamed into place when complete. Replacing renames the old folder aside
(``.NAME.old-HOST-PID-HEX``), renames the new one in, then deletes the old one's files.
A process killed outright (``kill -9``, power cut) may leave such folders; the next run on
the same target cleans them: a temporary folder whose process (same host) is gone is
deleted, an old folder is put back when the target is missing (the kill came between the
two renames) and deleted otherwise.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from attribution.interrupt import temporary

from ..errors import AttributionError
from ..i18n import N_, _, ngettext

#: The tool name every manifest carries.
TOOL = "attribution"
#: The marker file of every folder this package writes.
MARKER = "manifest.json"
#: Kinds of folders; each command replaces only its own kinds.
RESULTS_KINDS = frozenset({"results", "scenarios"})
TERRITORY_KINDS = frozenset({"territory"})
#: Files a results manifest does not hash (they hold run-dependent times).
UNHASHED = {"results": ("kpis.json",)}
#: How many lost paths a refusal lists.
SHOWN = 12


class OutputFolderError(AttributionError):
    """The output folder cannot be written where asked (exists, not ours, not a folder...)."""


def _host_tag() -> str:
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:6]


_SIDE = re.compile(r"^\.(?P<name>.+)\.(?P<what>tmp|old)-(?P<host>[0-9a-f]{6})-(?P<pid>\d+)-"
                   r"[0-9a-f]{8}$")


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_marker(folder: Path) -> dict[str, Any] | None:
    """The folder's manifest when this tool wrote it, else ``None``."""
    path = folder / MARKER
    if path.is_symlink() or not path.is_file():
        return None
    try:
        with open(path, encoding="utf-8") as f:
            data = json.loads(f.read(64 << 20))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("tool") != TOOL or not isinstance(
            data.get("version"), str):
        return None
    files = data.get("outputs", data.get("files"))
    if not isinstance(files, dict) or folder_kind(data) is None:
        return None
    return data


def folder_kind(manifest: dict[str, Any]) -> str | None:
    """``results``, ``scenarios`` or ``territory`` (older manifests have no ``kind``)."""
    kind = manifest.get("kind")
    if isinstance(kind, str):
        return kind
    if "scenarios" in manifest:
        return "scenarios"
    if "input" in manifest:
        return "results"
    return None


def written_files(manifest: dict[str, Any]) -> dict[str, str | None]:
    """Relative path → SHA-256 (``None`` when not recorded) of every file the tool wrote."""
    files = manifest.get("outputs", manifest.get("files")) or {}
    known: dict[str, str | None] = {MARKER: None}
    for name in UNHASHED.get(folder_kind(manifest) or "", ()):
        known[name] = None
    for name, digest in files.items():
        known[str(name)] = digest if isinstance(digest, str) else None
    return known


def foreign_entries(folder: Path, manifest: dict[str, Any]) -> list[str]:
    """What replacing ``folder`` would lose: every entry the manifest does not list, every
    symbolic link, and every listed file whose content changed since it was written."""
    known = written_files(manifest)
    lost: list[str] = []
    for root, dirs, files in os.walk(folder):
        base = Path(root)
        for name in sorted(dirs):
            if (base / name).is_symlink():
                lost.append((base / name).relative_to(folder).as_posix() + " (a link)")
        dirs[:] = sorted(d for d in dirs if not (base / d).is_symlink())
        for name in sorted(files):
            path = base / name
            rel = path.relative_to(folder).as_posix()
            if path.is_symlink():
                lost.append(rel + " (a link)")
            elif rel not in known:
                lost.append(rel)
            elif known[rel] is not None:
                try:
                    same = sha256_file(path) == known[rel]
                except OSError:
                    same = False
                if not same:
                    lost.append(rel + _(" (changed since it was written)"))
    return lost


def resolve_target(target: Path | str) -> Path:
    """The absolute path the folder will be written to: ``~`` expanded, links followed,
    and never the current folder or one of its ancestors."""
    path = Path(os.path.abspath(Path(target).expanduser()))
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError) as exc:  # a loop of links
        raise OutputFolderError(_("The output path '{target}' cannot be resolved ({error}).")
                                .format(target=target, error=exc)) from None
    cwd = Path.cwd().resolve()
    if cwd == resolved or resolved in cwd.parents:
        where = (_("the current folder") if cwd == resolved
                 else _("a parent of the current folder"))
        raise OutputFolderError(_(
            "The output folder '{target}' is {where}; choose a folder outside it (for "
            "example '{name}-new' beside it).").format(target=target, where=where,
                                                        name=resolved.name or "results"))
    return resolved


def check_target(target: Path | str, *, force: bool, kinds: Iterable[str],
                 what: str = N_("results folder"), empty_ok: bool = False,
                 make_parents: bool = False) -> Path:
    """Refuse a target that may not be written; return its resolved path.

    Folders a killed earlier run left beside the target are cleaned first
    (:func:`clean_stale`).

    Parameters
    ----------
    target
        The folder asked for.
    force
        Whether an existing folder this tool wrote may be replaced.
    kinds
        The manifest kinds this command may replace.
    what
        How messages name the folder.
    empty_ok
        Whether an existing empty folder is written without ``force``.
    make_parents
        Whether missing parent folders will be created (else the parent must exist).

    Raises
    ------
    OutputFolderError
        With a message saying what is wrong and what to do.
    """
    path = resolve_target(target)
    clean_stale(path)  # what a killed earlier run left beside the target
    shown = f"'{target}'" + (f" (→ '{path}')" if Path(os.path.abspath(target)) != path
                             else "")
    what = _(what)
    if not path.exists():
        parent = path.parent
        if parent.exists() and not parent.is_dir():
            raise OutputFolderError(_(
                "The parent '{parent}' of the {what} is a file, not a folder.").format(
                parent=parent, what=what))
        if not make_parents and not parent.is_dir():
            raise OutputFolderError(_(
                "The parent '{parent}' of the {what} must be an existing folder; it does not "
                "exist.").format(parent=parent, what=what))
        return path
    if not path.is_dir():
        raise OutputFolderError(_("The {what} path {shown} must be a folder; got a file.")
                                .format(what=what, shown=shown))
    try:
        empty = not any(path.iterdir())
    except OSError as exc:
        raise OutputFolderError(_("The {what} {shown} cannot be read ({error}).").format(
            what=what, shown=shown, error=exc.strerror)) from None
    if empty and (force or empty_ok):
        return path
    if not force:
        raise OutputFolderError(_(
            "The {what} {shown} already exists; pass --force to replace it (only a folder "
            "this tool wrote is replaced).").format(what=what, shown=shown))
    manifest = read_marker(path)
    if manifest is None:
        raise OutputFolderError(_(
            "The folder {shown} is not empty and holds no manifest.json written by {tool}; "
            "refusing to replace a folder this tool did not write, even with --force. "
            "Choose another folder.").format(shown=shown, tool=TOOL))
    kind = folder_kind(manifest)
    if kind not in set(kinds):
        raise OutputFolderError(_(
            "The folder {shown} is a {kind} folder written by {tool}, not a {what}; "
            "refusing to replace it, even with --force. Choose another folder.").format(
            shown=shown, kind=kind, tool=TOOL, what=what))
    lost = foreign_entries(path, manifest)
    if lost:
        listed = ", ".join(lost[:SHOWN]) + (_(" and {n} more").format(n=len(lost) - SHOWN)
                                            if len(lost) > SHOWN else "")
        raise OutputFolderError(ngettext(
            "The {what} {shown} holds {n} entry that {tool} did not write, and --force would "
            "lose it: {listed}. Move it out of the folder (or choose another folder) and run "
            "again.",
            "The {what} {shown} holds {n} entries that {tool} did not write, and --force "
            "would lose them: {listed}. Move them out of the folder (or choose another "
            "folder) and run again.", len(lost)).format(
            what=what, shown=shown, n=len(lost), tool=TOOL, listed=listed))
    return path


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _remove_written(folder: Path, manifest: dict[str, Any] | None) -> None:
    """Delete the files the manifest lists, then the folders left empty; anything else
    (which appeared after the last check) is kept in a visible ``NAME.kept-*`` folder."""
    known = written_files(manifest) if manifest else {}
    for rel in known:
        p = folder / rel
        if p.is_file() and not p.is_symlink():
            p.unlink()
    for root, dirs, _files in os.walk(folder, topdown=False):
        for d in dirs:
            sub = Path(root) / d
            if not sub.is_symlink():
                try:
                    sub.rmdir()
                except OSError:  # not empty: kept below
                    pass
    try:
        folder.rmdir()
    except OSError:  # something we did not write: keep it, visibly
        m = _SIDE.match(folder.name)
        name = m.group("name") if m else folder.name.lstrip(".")
        os.replace(folder, folder.parent / f"{name}.kept-{uuid.uuid4().hex[:8]}")


def clean_stale(target: Path) -> list[str]:
    """Clean what a killed earlier run on ``target`` left beside it (see the module doc).

    Returns
    -------
    list of str
        One line per folder cleaned or restored.
    """
    done: list[str] = []
    host = _host_tag()
    try:
        entries = list(target.parent.iterdir())
    except OSError:
        return done
    for entry in sorted(entries):
        m = _SIDE.match(entry.name)
        if (not m or m.group("name") != target.name or m.group("host") != host
                or _pid_alive(int(m.group("pid"))) or entry.is_symlink()
                or not entry.is_dir()):
            continue
        if m.group("what") == "tmp":
            shutil.rmtree(entry, ignore_errors=True)
            done.append(_("removed the unfinished folder {name} of an interrupted run").format(
                name=entry.name))
        elif not target.exists():
            os.replace(entry, target)
            done.append(_("restored {target} from {name} (an interrupted replace)").format(
                target=target.name, name=entry.name))
        else:
            _remove_written(entry, read_marker(entry))
            done.append(_("removed the replaced folder {name} of an interrupted run").format(
                name=entry.name))
    return done


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM (delivered when the block ends) where the platform can."""
    import signal
    held = {signal.SIGINT, signal.SIGTERM}
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    except (AttributeError, ValueError, OSError):  # Windows
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextmanager
def atomic_folder(target: Path | str, *, force: bool = False,
                  kinds: Iterable[str] = RESULTS_KINDS, what: str = N_("results folder"),
                  empty_ok: bool = False, make_parents: bool = False) -> Iterator[Path]:
    """Yield a temporary folder whose content becomes ``target`` when the block succeeds.

    The target is checked (:func:`check_target`) before and again after the block; on any
    failure — an exception, ``KeyboardInterrupt``, ``SystemExit`` — the temporary folder is
    removed and the target left exactly as it was.
    """
    kinds = frozenset(kinds)
    options = {"force": force, "kinds": kinds, "what": what, "empty_ok": empty_ok,
               "make_parents": make_parents}
    path = check_target(target, **options)
    if make_parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    tag = f"{_host_tag()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp = path.parent / f".{path.name}.tmp-{tag}"
    tmp.mkdir()
    with temporary(tmp):   # removed by a hard exit after Ctrl-C too
        try:
            yield tmp
            check_target(target, **options)  # the world may have changed during a long run
            with _signals_held():  # Ctrl-C waits for the two renames
                if path.exists():
                    manifest = read_marker(path)
                    old = path.parent / f".{path.name}.old-{tag}"
                    os.replace(path, old)
                    try:
                        os.replace(tmp, path)
                    except BaseException:
                        os.replace(old, path)
                        raise
                else:
                    old = None
                    os.replace(tmp, path)
            if old is not None:
                _remove_written(old, manifest)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
