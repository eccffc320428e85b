"""A small TOML writer for the shape of ``policy.toml`` (the standard library only reads).

Supports strings, booleans, integers, floats, dates, lists of scalars, tables, arrays of
tables and inline tables (at the dotted paths named in ``inline``). Comments are added
before chosen tables so that the file explains itself.
"""

from __future__ import annotations

import datetime as dt
import re

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(k: str) -> str:
    return k if _BARE.match(k) else _string(k)


def _string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def value(v) -> str:
    """TOML text of a scalar, a list of scalars or an inline table."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(str(k))} = {value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"Cannot write a {type(v).__name__} as TOML.")


def dumps(doc: dict, *, inline: frozenset[str] = frozenset(), header: str = "",
          comments: dict[str, str] | None = None) -> str:
    """TOML text of ``doc``.

    Parameters
    ----------
    doc
        Nested dicts; a list of dicts is an array of tables.
    inline
        Dotted paths (array indices omitted) of dicts to write as inline tables.
    header
        Comment lines written first (without the ``#``).
    comments
        ``dotted path -> comment`` written above that table's header.
    """
    out = [f"# {line}".rstrip() for line in header.splitlines()]
    _table(doc, [], out, inline, dict(comments or {}), array=False)
    return "\n".join(out).strip("\n") + "\n"


def _is_table(path: str, v, inline: frozenset[str]) -> bool:
    return isinstance(v, dict) and path not in inline


def _is_table_array(v) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(x, dict) for x in v)


def _table(doc: dict, path: list[str], out: list[str], inline, comments: dict,
           *, array: bool) -> None:
    name = ".".join(path)
    if path:
        out.append("")
        note = comments.pop(name, None)  # only above the first table of an array
        if note:
            out.extend(f"# {line}".rstrip() for line in note.splitlines())
        out.append(f"[[{name}]]" if array else f"[{name}]")
    nested = []
    for k, v in doc.items():
        sub = ".".join(path + [k])
        if _is_table(sub, v, inline) or _is_table_array(v):
            nested.append((k, v))
        else:
            out.append(f"{_key(k)} = {value(v)}")
    for k, v in nested:
        for item in ([v] if isinstance(v, dict) else v):
            _table(item, path + [k], out, inline, comments, array=isinstance(v, list))
