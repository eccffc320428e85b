"""Small validators shared by the scenario-file readers: each returns a value or records a
:class:`models.errors.Problem` (one sentence: key, expected, got) and returns ``None``.

Problems are collected, never raised one by one, so that a user fixes a scenario file in
one pass; the caller raises one :class:`models.errors.DataError` at the end.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable, Mapping

from attribution.models.io.cells import did_you_mean
from attribution.models.errors import Problem
from attribution.models.i18n import _


class Collector:
    """Collects the problems of one file.

    Parameters
    ----------
    file
        File name as the user knows it (``baseline.toml``).
    """

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    def add(self, key: str | None, message: str) -> None:
        """Record one problem at dotted ``key`` (a top-level key is named in the message)."""
        if key is not None and "." not in key:
            key, message = None, _("At top level: {message}").format(
                message=message[0].lower() + message[1:])
        self.problems.append(Problem(self.file, None, key, message))

    def unknown_keys(self, table: Mapping, allowed: Iterable[str], prefix: str) -> None:
        """Record every key of ``table`` not in ``allowed``, with the closest known ones."""
        allowed = list(allowed)
        for key in table:
            if key not in allowed:
                near = difflib.get_close_matches(str(key), allowed, n=2, cutoff=0.6)
                hint = (_("; did you mean {names}?").format(
                    names=_(" or ").join(repr(n) for n in near)) if near
                        else _("; known keys: {keys}.").format(keys=", ".join(allowed)))
                self.add(_join(prefix, key), _("Unknown key '{key}'").format(key=key) + hint)

    def table(self, raw: Mapping, key: str, prefix: str) -> dict:
        """Sub-table ``raw[key]`` (empty when absent); a non-table is a problem."""
        value = raw.get(key, {})
        if not isinstance(value, dict):
            self.add(_join(prefix, key), _("Expected a table; got {value}.").format(
                value=_show(value)))
            return {}
        return value

    def number(self, value, key: str, low: float | None = None, high: float | None = None,
               strict_low: bool = False, integer: bool = False) -> float | int | None:
        """A number (an int when ``integer``) within the given bounds."""
        ok_type = (isinstance(value, int) if integer else isinstance(value, (int, float)))
        if (isinstance(value, bool) or not ok_type
                or (low is not None and (value <= low if strict_low else value < low))
                or (high is not None and value > high)):
            kind = _("an integer") if integer else _("a number")
            self.add(key, _("Expected {kind}{bounds}; got {value}.").format(
                kind=kind, bounds=_bounds(low, high, strict_low), value=_show(value)))
            return None
        return value

    def share(self, value, key: str) -> float | None:
        """A share between 0 and 1."""
        out = self.number(value, key, 0.0, 1.0)
        return None if out is None else float(out)

    def boolean(self, value, key: str) -> bool | None:
        if not isinstance(value, bool):
            self.add(key, _("Expected true or false; got {value}.").format(value=_show(value)))
            return None
        return value

    def string(self, value, key: str, choices: Iterable[str] | None = None) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.add(key, _("Expected a non-empty string; got {value}.").format(
                value=_show(value)))
            return None
        if choices is not None:
            choices = list(choices)
            if value not in choices:
                self.add(key, _("Expected one of {names}{hint}; got {value}.").format(
                    names=", ".join(choices), hint=suggest(value, choices),
                    value=_show(value)))
                return None
        return value

    def date(self, value, key: str) -> dt.date | None:
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            self.add(key, _("Expected a date YYYY-MM-DD (unquoted); got {value}.").format(
                value=_show(value)))
            return None
        return value

    def string_list(self, value, key: str) -> tuple[str, ...] | None:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.add(key, _("Expected a list of strings; got {value}.").format(
                value=_show(value)))
            return None
        return tuple(value)


def suggest(name: str, known: Iterable[str]) -> str:
    """``"; did you mean 'x'?"``-style hint, or an empty string."""
    near = difflib.get_close_matches(str(name), list(known), n=1, cutoff=0.6)
    return did_you_mean(near[0]) if near else ""


def _join(prefix: str, key) -> str:
    return f"{prefix}.{key}" if prefix else str(key)


def _bounds(low, high, strict_low) -> str:
    if low is not None and high is not None:
        return _(" between {low} and {high}").format(low=f"{low:g}", high=f"{high:g}")
    if low is not None:
        return f" {'>' if strict_low else '≥'} {low:g}"
    if high is not None:
        return f" ≤ {high:g}"
    return ""


def _show(value) -> str:
    if isinstance(value, dict):
        return _("a table")
    if isinstance(value, list):
        return _("a list") + (f" {value!r}" if len(repr(value)) < 60 else "")
    if isinstance(value, str):
        return repr(value)
    return str(value).lower() if isinstance(value, bool) else repr(value)
