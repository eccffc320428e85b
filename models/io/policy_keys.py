"""The keys ``policy.toml`` may hold, and typed getters that collect problems.

:class:`PolicyKeys` reads values out of the decoded TOML document; every getter returns
``None`` (or a neutral value) on a problem and records one :class:`Problem` naming the
dotted key, what was expected and what was found, so the whole file is checked in one pass.
"""

from __future__ import annotations

import datetime as dt
import difflib

from ..errors import Problem
from ..i18n import _, num

#: Largest |points| of a policy value (= models.score_range.MAX_SCORE, kept import-free).
MAX_POINTS = 1_000_000_000

#: Valid keys of each table ("" = top level). Tables of column names (``cotation.bonus``,
#: rubric ``points``) and ``eligibility.typology_by_size`` take free keys.
KEYS: dict[str, tuple[str, ...]] = {
    "": ("territory", "quotas", "reservataires", "flows", "spatial_balance", "eligibility",
         "cotation"),
    "territory": ("name", "communes", "round_date", "ceilings_year", "q1_threshold",
                  "landlords"),
    "quotas": ("priority_min", "priority_min_per_reservataire", "state_priority_min",
               "q1_outside_qpv_min", "non_q1_in_qpv_min", "state_outside_qpv_min",
               "state_agent_max"),
    "reservataires": ("id", "eligible_if_any"),
    "flows": ("landlord", "reservataire", "share", "tolerance"),
    "spatial_balance": ("slack_units", "q1_share", "priority_share"),
    "eligibility": ("max_rent_burden", "typology_by_size"),
    "cotation": ("points_per_month", "overdue_months", "overdue_bonus", "refusal_malus",
                 "bonus", "rubric"),
    "cotation.rubric": ("name", "points"),
}


def _schema_path(prefix: str) -> str:
    """``flows[2]`` -> ``flows``; ``cotation.rubric[1]`` -> ``cotation.rubric``."""
    return ".".join(part.split("[")[0] for part in prefix.split(".")) if prefix else ""


def kind_of(value: object) -> str:
    """Plain-words TOML type of a value, for messages."""
    if isinstance(value, bool):
        return _("{value} (true/false)").format(value=str(value).lower())
    if isinstance(value, int):
        return _("{value} (an integer)").format(value=value)
    if isinstance(value, float):
        return _("{value} (a number)").format(value=value)
    if isinstance(value, str):
        return _("'{value}' (text)").format(value=value)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return _("{value} (a date or time)").format(value=value.isoformat())
    if isinstance(value, list):
        return _("a list")
    return _("a table")


class PolicyKeys:
    """Typed access to a decoded TOML document, recording problems as it goes."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    def err(self, key: str, message: str) -> None:
        """Record a problem on ``key`` (dotted; a top-level key goes into the message)."""
        if "." in key:
            self.problems.append(Problem(self.file, None, key, message))
        else:
            self.problems.append(Problem(self.file, None, None, f"[{key}] {message}"))

    def known(self, table: dict, prefix: str, valid: set[str]) -> None:
        """Record every key of ``table`` not in ``valid``, suggesting the closest one."""
        for key in table:
            if key in valid:
                continue
            full = f"{prefix}.{key}" if prefix else key
            close = difflib.get_close_matches(key, sorted(valid), n=1, cutoff=0.6)
            home = [t for t, keys in KEYS.items() if key in keys and t]
            if close:
                hint = _("; did you mean '{name}'?").format(name=close[0])
            elif home:
                hint = _("; it belongs in [{table}]").format(table=home[0])
            elif prefix and key in KEYS[""]:
                hint = _("; [{key}] is a top-level table, not part of [{prefix}]").format(
                    key=key, prefix=prefix)
            else:
                hint = _("; valid keys here: {keys}").format(keys=", ".join(sorted(valid)))
            if prefix:
                self.problems.append(Problem(self.file, None, full,
                                             _("is not a known key") + hint))
            else:
                self.problems.append(Problem(self.file, None, None, _(
                    "unknown top-level key '{key}'").format(key=key) + hint))

    def table(self, data: dict, key: str, *, prefix: str = "", required: bool = False) -> dict:
        """A sub-table (``{}`` when absent or wrong), its keys checked against :data:`KEYS`."""
        full = f"{prefix}.{key}" if prefix else key
        value = data.get(key)
        if value is None:
            if required:
                self.err(full, _("is missing"))
            return {}
        if not isinstance(value, dict):
            self.err(full, _("must be a table; got {value}").format(value=kind_of(value)))
            return {}
        schema = _schema_path(full)
        if schema in KEYS:
            self.known(value, full, set(KEYS[schema]))
        return value

    def array(self, data: dict, key: str, *, prefix: str = "",
              required: bool = False) -> list[dict]:
        """An array of tables (``[[key]]``), each entry's keys checked."""
        full = f"{prefix}.{key}" if prefix else key
        value = data.get(key)
        if value is None:
            if required:
                self.err(full, _("is missing: add at least one [[{table}]] entry").format(
                    table=full))
            return []
        if not isinstance(value, list) or not all(isinstance(e, dict) for e in value):
            self.err(full, _("must be an array of tables ([[{table}]]); got {value}").format(
                table=full, value=kind_of(value)))
            return []
        for i, entry in enumerate(value, 1):
            self.known(entry, f"{full}[{i}]", set(KEYS[_schema_path(full)]))
        return value

    def get(self, t: dict, prefix: str, name: str, kind: type, *, required: bool = False,
            default=None):
        """A scalar of ``kind`` (str, int or float); ints are accepted for floats."""
        key, value = f"{prefix}.{name}", t.get(name)
        if value is None:
            if required:
                self.err(key, _("is missing"))
            return default
        ok = {str: isinstance(value, str),
              int: isinstance(value, int) and not isinstance(value, bool),
              float: isinstance(value, (int, float)) and not isinstance(value, bool)}[kind]
        if not ok:
            word = {str: _("text"), int: _("an integer"), float: _("a number")}[kind]
            self.err(key, _("must be {kind}; got {value}").format(kind=word,
                                                                  value=kind_of(value)))
            return None
        if kind is str and not value.strip():
            self.err(key, _("must not be empty"))
            return None
        return float(value) if kind is float else value

    def share(self, t: dict, prefix: str, name: str, *, required: bool = False) -> float | None:
        """A number in [0, 1]."""
        value = self.get(t, prefix, name, float, required=required)
        if value is not None and not 0.0 <= value <= 1.0:
            self.err(f"{prefix}.{name}", _("must be a share between 0 and 1; got {value}").format(
                value=f"{value:g}"))
            return None
        return value

    def names(self, t: dict, prefix: str, name: str, *, required: bool = False,
              fold: bool = False) -> tuple[str, ...] | None:
        """A list of distinct non-empty strings; with ``fold``, two names differing only
        by case or surrounding spaces (``Saint-Nazaire``, ``SAINT-NAZAIRE``) are the same
        name written twice, a problem like an exact repeat."""
        key, value = f"{prefix}.{name}", t.get(name)
        if value is None:
            if required:
                self.err(key, _("is missing"))
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.err(key, _("must be a list of non-empty texts such as {example}; got "
                            "{value}").format(
                example='["a", "b"]',
                value=kind_of(value) if not isinstance(value, list) else repr(value)))
            return None
        dupes = sorted({v for v in value if value.count(v) > 1})
        if dupes:
            self.err(key, _("lists {names} more than once").format(
                names=", ".join(map(repr, dupes))))
        if fold:
            spellings: dict[str, list[str]] = {}
            for v in dict.fromkeys(value):
                spellings.setdefault(v.strip().casefold(), []).append(v)
            for same in (s for s in spellings.values() if len(s) > 1):
                self.err(key, _(
                    "lists {names}, which differ only by case or spaces: the tables match "
                    "names regardless of case, so this is one name listed twice; keep one "
                    "spelling").format(names=_(" and ").join(map(repr, same))))
        return tuple(dict.fromkeys(v.strip() for v in value))

    def in_range(self, key: str, value: int) -> bool:
        """Points within ±:data:`MAX_POINTS` (models.score_range); records a problem if not."""
        if -MAX_POINTS <= value <= MAX_POINTS:
            return True
        self.err(key, _(
            "must be a whole number of points between {low} and {high} (the supported "
            "range, docs/cotation.md); got {value}").format(
            low=num(-MAX_POINTS), high=num(MAX_POINTS), value=num(value)))
        return False

    def date(self, t: dict, prefix: str, name: str) -> dt.date | None:
        """A TOML date or an ISO ``YYYY-MM-DD`` string (required)."""
        key, value = f"{prefix}.{name}", t.get(name)
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        self.err(key, _("is missing") if value is None else
                 _("must be a date such as 2025-03-01; got {value}").format(
                     value=kind_of(value)))
        return None

    def q1(self, t: dict, prefix: str) -> float | None:
        """``q1_threshold``: a number ≥ 0 (€/UC/year), or "auto"/absent (``None``)."""
        value = t.get("q1_threshold")
        if value is None or (isinstance(value, str) and value.strip().lower() == "auto"):
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
            return float(value)
        self.err(f"{prefix}.q1_threshold", _(
            "must be a number ≥ 0 (€ per consumption unit and year) or \"auto\"; got "
            "{value}").format(value=kind_of(value)))
        return None

    def interval(self, t: dict, prefix: str, name: str) -> tuple[float, float] | None:
        """``[min, max]`` shares with ``min ≤ max``; ``None`` when absent."""
        key, value = f"{prefix}.{name}", t.get(name)
        if value is None:
            return None
        if (not isinstance(value, list) or len(value) != 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)):
            self.err(key, _("must be [min, max], two shares between 0 and 1; got {value}").format(
                value=kind_of(value) if not isinstance(value, list) else repr(value)))
            return None
        lo, hi = float(value[0]), float(value[1])
        if not (0 <= lo <= 1 and 0 <= hi <= 1):
            self.err(key, _("must hold shares between 0 and 1; got {value}").format(
                value=f"[{lo:g}, {hi:g}]"))
            return None
        if lo > hi:
            self.err(key, _("has min {low} above max {high}").format(low=f"{lo:g}",
                                                                     high=f"{hi:g}"))
            return None
        return lo, hi

    def points(self, t: dict, prefix: str) -> dict[str, int]:
        """A table ``column = integer points``, each within ±:data:`MAX_POINTS`."""
        out = {}
        for col, value in t.items():
            if isinstance(value, int) and not isinstance(value, bool):
                if self.in_range(f"{prefix}.{col}", value):
                    out[col] = value
            else:
                self.err(f"{prefix}.{col}", _(
                    "must be an integer number of points; got {value}").format(
                    value=kind_of(value)))
        return out
