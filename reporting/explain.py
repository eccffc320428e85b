"""One applicant's explanation, read back from a results folder, in plain words.

French labels with English alongside, as owed to the applicant (CCH R441-2-17; CRPA
L311-3-1 and R311-3-1-2: the decision was prepared with an algorithm, the parameters
applied to the person's situation, and the reasons of a non-attribution).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from attribution.models.errors import AttributionError

from .labels import OUTCOMES, RULES, SCORE_PARTS, both


class UnknownDemand(AttributionError):
    """The demand id is not in the results folder (or the folder is not a results folder)."""


def _read(folder: Path, name: str) -> pd.DataFrame:
    path = folder / name
    if not path.is_file():
        raise UnknownDemand(f"The folder '{folder}' must be a results folder holding {name}; "
                            "it does not.")
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _part_label(name: str) -> str:
    if name in SCORE_PARTS:
        return both(SCORE_PARTS[name])
    if name.startswith("bonus_"):
        return f"bonus {name[6:]}"
    if name.startswith("rubric_"):
        return f"rubrique / rubric « {name[7:]} »"
    return name


def _breakdown_lines(text: str) -> list[str]:
    lines = []
    for part in filter(None, text.split(";")):
        name, _, value = part.partition("=")
        points, _, note = value.partition(" (")
        note = note.rstrip(")")
        if name == "seniority" and note:
            note = note.replace("months", "mois / months")
        lines.append(f"    {_part_label(name):<40} {points:>6}" + (f"   ({note})" if note else ""))
    return lines


def explain(folder: Path | str, demand_id: str) -> str:
    """The explanation of one demand, as printed by ``attribution explain``.

    Parameters
    ----------
    folder
        A results folder written by ``attribution solve``.
    demand_id
        The pseudonymous demand id.

    Raises
    ------
    UnknownDemand
        No such demand in ``decisions.csv``, or no ``decisions.csv``.
    """
    folder = Path(folder)
    decisions = _read(folder, "decisions.csv")
    match = decisions[decisions["demand_id"] == demand_id]
    if match.empty:
        raise UnknownDemand(f"decisions.csv in '{folder}' has no demand '{demand_id}'; "
                            f"expected one of its {len(decisions)} demand ids.")
    r = match.iloc[0]
    outcome = both(OUTCOMES.get(r["outcome"], (r["outcome"], r["outcome"])))
    out = [f"Demande / Demand {r['demand_id']}",
           f"  Décision / Outcome: {outcome}"]
    if r["unit_id"]:
        out.append(f"  Logement / Unit: {r['unit_id']}"
                   + (f" (réservataire {r['reservataire']})" if r["reservataire"] else ""))
    out += ["", "Motif :", f"  {r['motif']}", "Reason:", f"  {r['reason']}", "",
            f"Cotation / Score: {r['score']} points",
            *_breakdown_lines(r["score_breakdown"])]
    out += ["",
            f"Demandes similaires / Similar demands: "
            f"{r['segment'].replace('size', 'taille / size', 1)}",
            f"  Rang / Rank: {r['rank_in_segment']} sur / of {r['segment_size']}",
            f"  Cotation médiane / Median score: {r['segment_score_median']}",
            f"  Ancienneté médiane des demandes en attente (pas un délai) / Median "
            f"seniority of pending demands (not a waiting time): "
            f"{r['segment_typical_wait_months']} mois / months",
            *_observed_lines(r),
            f"Logements de ce tour / Units of this round: {r['wished_units']} souhaités / "
            f"wished, {r['compatible_units']} compatibles / compatible"]
    if r["rule"]:
        out.append(f"  Règle bloquante / Blocking rule: {both(RULES.get(r['rule'], (r['rule'],) * 2))}")
    out += _shortlist_lines(folder, demand_id)
    out += ["", "Cette proposition a été préparée à l'aide d'un traitement algorithmique "
            "(cotation et optimisation) ; la décision appartient à la commission (CALEOL).",
            "This proposal was prepared with an algorithm (scoring and optimisation); the "
            "decision belongs to the commission (CALEOL)."]
    return "\n".join(out) + "\n"


def _observed_lines(r) -> list[str]:
    """The observed wait of housed households (from a ledger), or that none exists yet."""
    basis = r.get("observed_wait_basis", "none") or "none"
    if basis == "none" or pd.isna(r.get("observed_wait_months")):
        return ["  Délai d'attente observé / Observed wait: aucun chiffre observé pour "
                "l'instant / no observed figure exists yet (no lease of similar households "
                "in the ledger)"]
    scope = ("du segment / of the segment" if basis == "segment"
             else "de la même taille, toutes communes / of the same size, all communes")
    return [f"  Délai d'attente observé / Observed wait: {float(r['observed_wait_months']):.0f} "
            f"mois / months (médiane de l'inscription au bail de / median from registration "
            f"to lease of {int(r['observed_wait_households'])} ménages logés / households "
            f"housed {scope}, 12 derniers mois / last 12 months)"]


def _shortlist_lines(folder: Path, demand_id: str) -> list[str]:
    if not (folder / "shortlists.csv").is_file():
        return []
    lists = _read(folder, "shortlists.csv")
    mine = lists[lists["demand_id"] == demand_id]
    mine = mine.assign(_rank=mine["rank"].astype(int)).sort_values(["_rank", "unit_id"])
    if mine.empty:
        return []
    lines = ["", "Listes de candidats / Shortlists:"]
    for row in mine.itertuples():
        lines.append(f"  {row.unit_id}: rang / rank {row.rank} — {row.motif}")
    return lines
