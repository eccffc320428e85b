"""A territory folder rewritten as an Imhoweb / SNE-like extraction re-saved by French
Excel: French headers mapped by ``columns.toml``, ``dd/mm/yyyy`` dates, ``Oui``/``Non``
and ``X``/empty booleans, decimal commas, extra text columns, ``;`` separator and
Windows-1252 encoding. It must load to the same territory as the original (tests); the
example folder ``models/data/carene-imhoweb`` was written by :func:`write_extraction`.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd

#: Contract column → the extraction's header.
DEMAND_HEADERS = {
    "demand_id": "Numéro unique", "registered_on": "Date de dépôt",
    "household_size": "Nb personnes", "adults": "Nb adultes",
    "children_under_14": "Nb enfants - 14 ans", "dependants": "Personnes à charge",
    "couple": "En couple", "ages_sum": "Somme des âges", "disability": "Handicap",
    "pmr_need": "Besoin PMR", "annual_income": "Revenu fiscal de référence",
    "monthly_income": "Ressources mensuelles", "housing_allowance": "APL estimée",
    "priority": "Public prioritaire", "dalo": "DALO", "mutation": "Mutation",
    "anru": "Relogement ANRU", "private_employee": "Salarié du privé",
    "state_agent": "Agent de l'État", "wished_communes": "Communes souhaitées",
    "wished_typologies": "Typologies souhaitées", "refusals": "Refus 12 mois",
    "homeless": "Sans domicile", "hosted": "Hébergé chez un tiers",
}
UNIT_HEADERS = {
    "unit_id": "N° logement", "landlord": "Bailleur", "commune": "COMMUNE ",
    "qpv": "En QPV", "typology": "Typologie", "rooms": "Nb pièces",
    "surface_m2": "Surface habitable", "rent": "Loyer + charges", "financing": "Financement",
    "pmr": "Accessible PMR", "available_on": "Date de disponibilité",
    "reservataire": "Réservataire", "outside_flow": "Hors flux",
}
#: Boolean columns written as X marks (empty = false), the others as Oui/Non.
X_MARKS = {"disability", "pmr_need", "homeless", "hosted"}
FINANCING = {"PLAI-A": "PLAI adapté"}
RESERVATAIRE = {"etat": "État", "action_logement": "Action Logement",
                "commune": "Commune", "bailleur": "Bailleur"}


def _bools(s: pd.Series, marks: bool) -> pd.Series:
    true = s.str.lower().isin(["true", "1"])
    return true.map({True: "X", False: ""}) if marks else true.map({True: "Oui", False: "Non"})


def _date(s: pd.Series) -> pd.Series:
    return s.map(lambda v: f"{v[8:10]}/{v[5:7]}/{v[:4]}" if v else v)


def _comma(s: pd.Series) -> pd.Series:
    return s.str.replace(".", ",", regex=False)


def write_extraction(folder: Path | str, out: Path | str) -> Path:
    """Write ``out`` (created) as an extraction of the contract folder ``folder``."""
    folder, out = Path(folder), Path(out)
    out.mkdir(parents=True, exist_ok=False)
    d = pd.read_csv(folder / "demands.csv", dtype=str, keep_default_na=False)
    u = pd.read_csv(folder / "units.csv", dtype=str, keep_default_na=False)
    bool_d = [c for c in d.columns if set(d[c].str.lower()) <= {"true", "false"}]
    for c in bool_d:
        d[c] = _bools(d[c], c in X_MARKS)
    d["registered_on"] = _date(d["registered_on"])
    for c in ("annual_income", "monthly_income", "housing_allowance"):
        if c in d:
            d[c] = _comma(d[c])
    d.insert(1, "Guichet enregistreur", "Guichet n° " + (d.index % 7 + 1).astype(str))
    d["Commentaire"] = ["Relance prévue ; dossier complet" if i % 5 == 0 else ""
                        for i in range(len(d))]
    for c in ("qpv", "pmr", "outside_flow"):
        u[c] = _bools(u[c], c == "pmr")
    u["available_on"] = _date(u["available_on"])
    u["surface_m2"], u["rent"] = _comma(u["surface_m2"]), _comma(u["rent"])
    u["financing"] = u["financing"].map(lambda v: FINANCING.get(v, v))
    u["reservataire"] = u["reservataire"].map(lambda v: RESERVATAIRE.get(v, v))
    u["Adresse"] = "Résidence " + u.index.astype(str)   # a text column outside the contract
    d = d.rename(columns=DEMAND_HEADERS)
    u = u.rename(columns=UNIT_HEADERS)
    for frame, name in ((d, "demands.csv"), (u, "units.csv")):
        frame.to_csv(out / name, sep=";", index=False, encoding="cp1252",
                     quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    shutil.copy(folder / "policy.toml", out / "policy.toml")
    (out / "columns.toml").write_text(columns_toml(d.columns, u.columns), encoding="utf-8")
    return out


def columns_toml(demand_headers, unit_headers) -> str:
    """The ``columns.toml`` of an extraction written by :func:`write_extraction`."""
    def q(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = ["# An Imhoweb/SNE-like extraction mapped onto the data contract",
             "# (docs/data-contract.md, \"columns.toml\").", "", "[demands.columns]"]
    lines += [f"{k} = {q(v)}" for k, v in DEMAND_HEADERS.items() if v in set(demand_headers)]
    lines += ["", "[units.columns]"]
    # COMMUNE (upper case, trailing space) and Financement match without a mapping
    lines += [f"{k} = {q(v)}" for k, v in UNIT_HEADERS.items()
              if v in set(unit_headers) and k not in ("commune",)]
    lines += ["", "[units.values.financing]"]
    lines += [f"{q(v)} = {q(k)}" for k, v in FINANCING.items()]
    lines += ["", "[units.values.reservataire]"]
    lines += [f"{q(v)} = {q(k)}" for k, v in RESERVATAIRE.items()]
    lines += ["", "[values]", 'true = ["Oui", "O", "X"]', 'false = ["Non", "N"]', ""]
    return "\n".join(lines)
