"""The results tables as people read them (the workbook, the pages): codes replaced by
their labels in the current language, internal identifiers and developer text left out.

The machine files (CSV, JSON) keep the codes of ``docs/outputs.md``; only copies made here
are relabelled.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from attribution.models.i18n import _, current, num

from . import labels

#: Columns shown to people only in the machine files.
_DROP = {
    "decisions": ["motif"],
    "shortlists": ["motif"],
    "quotas": ["name_code", "family", "policy_key", "description"],
    "quota_prices": ["quota", "policy_key", "tight_rows"],
}


def breakdown_parts(text: str) -> list[tuple[str, str, str]]:
    """(label, points, note) of each part of a compact score breakdown, for people
    (``seniority=45 (45 months)`` → ``("ancienneté", "45", "45 mois")``; a rubric's note is
    its criterion in words)."""
    return [_part(part, current()) for part in filter(None, str(text).split(";"))]


@functools.lru_cache(maxsize=4096)
def _part(part: str, lang: str) -> tuple[str, str, str]:
    """One part of a breakdown in words, in ``lang`` (the current language: the cache is
    keyed by it; a few hundred distinct parts recur over thousands of demands)."""
    name, _sep, value = part.partition("=")
    points, _sep, note = value.partition(" (")
    note = note.rstrip(")")
    if name == "seniority" and note.endswith(" months"):
        note = _("{months} months").format(months=note.split()[0])
    elif name.startswith("rubric_") and note:
        note = labels.criterion_label(note)
    return labels.score_part_label(name), points, note


def breakdown_text(text: str) -> str:
    """``seniority=45 (45 months);bonus_dalo=50`` → ``ancienneté 45 (45 mois) ; …``."""
    return _("; ").join(f"{label} {points}" + (f" ({note})" if note else "")
                        for label, points, note in breakdown_parts(text))


def rule_detail_text(text: str) -> str:
    """``income_ceiling:9;typology:3`` → ``plafond de ressources (9) ; …``."""
    parts = []
    for part in filter(None, str(text).split(";")):
        rule, _sep, n = part.partition(":")
        parts.append(f"{labels.rule_label(rule)} ({n})" if n else labels.rule_label(rule))
    return _("; ").join(parts)


def segment_text(text: str) -> str:
    """``size 6 · Saint-Nazaire`` → ``taille 6 · Saint-Nazaire``; ``any`` → all communes."""
    text = str(text)
    if not text.startswith("size "):
        return text
    size, _sep, place = text[5:].partition(" · ")
    place = _("any commune") if place == "any" else place
    return _("size {size} · {place}").format(size=size, place=place)


def _map(series: pd.Series, fn) -> pd.Series:
    """``fn`` on every non-empty text of ``series``, once per distinct text (the tables
    repeat a few codes over thousands of rows)."""
    done: dict[str, object] = {}

    def one(v):
        if isinstance(v, str) and v:
            if v not in done:
                done[v] = fn(v)
            return done[v]
        return v
    if isinstance(series.dtype, pd.StringDtype) and len(series) > 64:
        # Text with one missing marker: the distinct values only go through ``one``, the
        # result is spread back by their codes (the same values, the same inferred dtype).
        codes, uniques = pd.factorize(series, use_na_sentinel=False)
        mapped = np.array([one(u) for u in uniques], dtype=object)
        return pd.Series(mapped[codes], index=series.index)
    return series.map(one)


def people_tables(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Every table relabelled for people, keyed by the original table name."""
    out = {}
    for name, frame in tables.items():
        f = frame.copy()
        f = f.drop(columns=[c for c in _DROP.get(name, []) if c in f.columns])
        if "reservataire" in f.columns:
            f["reservataire"] = f["reservataire"].fillna("").map(labels.reservataire_label)
        if "outcome" in f.columns:
            f["outcome"] = _map(f["outcome"], labels.outcome_label)
        if "rule" in f.columns:
            f["rule"] = _map(f["rule"], labels.rule_label)
        if "rule_detail" in f.columns:
            f["rule_detail"] = _map(f["rule_detail"], rule_detail_text)
        if "quota" in f.columns:
            f["quota"] = _map(f["quota"], labels.quota_label)
        if "quota_detail" in f.columns:
            f["quota_detail"] = _map(f["quota_detail"], lambda t: _("; ").join(
                labels.quota_label(q) for q in t.split(";") if q))
        if "score_breakdown" in f.columns:
            f["score_breakdown"] = _map(f["score_breakdown"], breakdown_text)
        if "segment" in f.columns:
            f["segment"] = _map(f["segment"], segment_text)
        if "cost_method" in f.columns:
            f["cost_method"] = _map(f["cost_method"], labels.cost_method_label)
        if "exemption" in f.columns:   # one or more codes, ';'-separated
            f["exemption"] = _map(f["exemption"], lambda t: _("; ").join(
                labels.exemption_label(e) for e in str(t).split(";") if e))
        if "observed_wait_basis" in f.columns:
            f["observed_wait_basis"] = _map(f["observed_wait_basis"],
                                            labels.wait_basis_label)
        if "location" in f.columns:
            f["location"] = _map(f["location"], labels.location_label)
        if "status" in f.columns:
            f["status"] = _map(f["status"], status_label)
        if name.startswith("by_"):   # counts, not flags
            f = f.rename(columns={"priority": "priority_households",
                                  "q1": "q1_households"})
        if name == "quotas" and "name" in frame.columns:
            f["name"] = frame["name"].map(labels.quota_label)
        if name == "quota_prices" and "tight_rows" in frame.columns:
            f["label"] = frame["tight_rows"].map(lambda t: _("; ").join(
                labels.quota_label(q) for q in str(t).split(";") if q))
        if name == "by_income_quartile" and "quartile" in f.columns:
            f["quartile"] = f["quartile"].map(lambda q: _("Q{n}").format(n=str(q).lstrip("Qq")))
        out[name] = f
    return out


def status_label(status: str) -> str:
    return {"OPTIMAL": _("proven optimum"), "FEASIBLE": _("feasible (not proven optimal)"),
            }.get(status, status)


def count(value) -> str:
    """A count for people (``17 132``)."""
    return num(value)
