"""One applicant's explanation, read back from a results folder, in plain words — on the
terminal (:func:`explain`) or as a printable letter (:func:`letter`, :func:`write_letters`).

The information owed to the applicant (CCH R441-2-17; CRPA L311-3-1 and R311-3-1-2: the
decision was prepared with an algorithm, the parameters applied to the person's
situation, and the reasons of a non-attribution): outcome and reason, score and its
breakdown, rank among similar demands, waiting time as the contract defines it, the
shortlists the demand is on, and how the cotation works. Only this applicant's data: the
other candidates of a unit appear neither by id nor by score. Texts are rebuilt from the
facts of ``decisions.csv`` in the current language (French by default).
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

import pandas as pd

from attribution.models.errors import AttributionError
from attribution.models.i18n import _, colon, date, language, ngettext, num

from . import labels
from ..files.csv_safe import restore_frame
from .decision_text import reason_text
from .people import breakdown_parts, segment_text
from ..pages.webpage import page


class UnknownDemand(AttributionError):
    """The demand id is not in the results folder (or the folder is not a results folder)."""


def _read(folder: Path, name: str) -> pd.DataFrame:
    path = folder / name
    if not path.is_file():
        raise UnknownDemand(_("The folder '{folder}' must be a results folder holding "
                              "{file}; it does not.").format(folder=folder, file=name))
    return restore_frame(pd.read_csv(path, dtype=str, keep_default_na=False))


class _Folder:
    """The files of a results folder an explanation needs, read once."""

    def __init__(self, folder: Path | str):
        self.folder = Path(folder)
        self.decisions = _read(self.folder, "decisions.csv")
        self.index = {k: i for i, k in enumerate(self.decisions["demand_id"])}
        path = self.folder / "assignments.csv"
        self.assignments = (_read(self.folder, "assignments.csv").set_index("unit_id")
                            if path.is_file() else None)
        path = self.folder / "shortlists.csv"
        self.shortlists = _read(self.folder, "shortlists.csv") if path.is_file() else None
        path = self.folder / "manifest.json"
        self.manifest = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        kpis = self.folder / "kpis.json"
        self.proven = (json.loads(kpis.read_text(encoding="utf-8")).get("proven_optimal", True)
                       if kpis.is_file() else True)

    def row(self, demand_id: str) -> pd.Series:
        i = self.index.get(demand_id)
        if i is None:
            raise UnknownDemand(_("decisions.csv in '{folder}' has no demand '{demand}'; "
                                  "expected one of its {n} demand ids.").format(
                folder=self.folder, demand=demand_id, n=len(self.decisions)))
        return self.decisions.iloc[i]

    def reason(self, r: pd.Series, for_applicant: bool = False) -> str:
        facts = dict(r)
        facts["for_applicant"] = for_applicant
        for k in ("score", "wished_units", "compatible_units"):
            facts[k] = int(facts[k]) if str(facts[k]).strip() else 0
        for k in ("score_gap", "competitor_score"):
            facts[k] = int(float(facts[k])) if str(facts[k]).strip() else None
        facts["commune"] = facts["typology"] = ""
        if r["unit_id"] and self.assignments is not None and r["unit_id"] in \
                self.assignments.index:
            a = self.assignments.loc[r["unit_id"]]
            facts["commune"], facts["typology"] = a["commune"], a["typology"]
        facts["proven"] = bool(self.proven)
        try:
            return reason_text(facts)
        except (KeyError, ValueError):  # a folder from another version: its own text
            return r["reason"]

    def my_shortlists(self, demand_id: str) -> pd.DataFrame:
        if self.shortlists is None:
            return pd.DataFrame(columns=["unit_id", "rank"])
        mine = self.shortlists[self.shortlists["demand_id"] == demand_id]
        return mine.assign(_rank=mine["rank"].astype(int)).sort_values(["_rank", "unit_id"])

    @property
    def round_date(self) -> str:
        return self.manifest.get("policy", {}).get("territory", {}).get("round_date", "")

    @property
    def territory(self) -> str:
        return self.manifest.get("policy", {}).get("territory", {}).get("name", "")


def _n(text: str) -> str:
    """A number read from a CSV cell, for people (``17.0`` → ``17``, ``2.5`` → ``2,5``)."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        return str(text)
    return num(value, 0 if value.is_integer() else 1)


def _months(text: str) -> int | None:
    for part in str(text).split(";"):
        if part.startswith("seniority=") and "(" in part:
            return int(part.split("(")[1].split()[0])
    return None


def explain(folder: Path | str, demand_id: str) -> str:
    """The explanation of one demand, as printed by ``attribution explain``.

    Raises
    ------
    UnknownDemand
        No such demand in ``decisions.csv``, or no ``decisions.csv``.
    """
    f = _Folder(folder)
    r = f.row(demand_id)
    out = [_("Demand {demand}").format(demand=r["demand_id"]),
           "  " + colon(_("Outcome")) + " " + labels.outcome_label(r["outcome"])]
    if r["unit_id"]:
        out.append("  " + colon(_("Unit")) + " " + r["unit_id"]
                   + (" (" + _("réservataire {name}").format(
                       name=labels.reservataire_label(r["reservataire"])) + ")"
                      if r["reservataire"] else ""))
    out += ["", colon(_("Reason")), "  " + f.reason(r), "",
            colon(_("Score")) + " " + _("{points} points").format(points=r["score"])]
    for label, points, note in breakdown_parts(r["score_breakdown"]):
        out.append(f"    {label:<40} {points:>6}" + (f"   ({note})" if note else ""))
    out += ["", colon(_("Similar demands")) + " " + _segment(r["segment"]),
            "  " + colon(_("Rank")) + " " + _("{rank} of {n}").format(
                rank=r["rank_in_segment"], n=r["segment_size"]),
            "  " + colon(_("Median score")) + " " + _n(r["segment_score_median"]),
            "  " + colon(_("Median seniority of pending demands (not a waiting time)"))
            + " " + _("{months} months").format(months=_n(r["segment_typical_wait_months"])),
            "  " + colon(_("Observed wait")) + " " + observed_wait(r),
            colon(_("Units of this round")) + " " + _(
                "{wished} wished, {compatible} compatible").format(
                wished=r["wished_units"], compatible=r["compatible_units"])]
    if r["rule"]:
        out.append("  " + colon(_("Blocking rule")) + " " + labels.rule_label(r["rule"]))
    mine = f.my_shortlists(demand_id)
    if len(mine):
        out += ["", colon(_("Shortlists"))]
        for row in mine.itertuples():
            out.append("  " + _("unit {unit}: rank {rank}").format(unit=row.unit_id,
                                                                   rank=row.rank))
    out += ["", _("This proposal was prepared with an algorithm (scoring and optimisation); "
                  "the decision belongs to the commission (CALEOL).")]
    return "\n".join(out) + "\n"


def _segment(text: str) -> str:
    return segment_text(text)


_LETTER_CSS = """
main{max-width:760px}
.letter-head{display:flex;flex-wrap:wrap;justify-content:space-between;gap:8px;color:#555}
.outcome{font-size:1.15em;font-weight:600;padding:8px 12px;background:#f6f9fc;
border-left:4px solid #0072B2}
table.score td:nth-child(2){font-variant-numeric:tabular-nums}
@media print{main{max-width:none}}
"""


def letter(folder: Path | str, demand_id: str, *, _f: _Folder | None = None) -> str:
    """A self-contained printable HTML letter to one applicant (current language)."""
    f = _f or _Folder(folder)
    r = f.row(demand_id)
    territory, round_date = f.territory, f.round_date
    title = _("Your housing demand {demand}: decision of the round of {date}").format(
        demand=r["demand_id"], date=date(round_date) if round_date else "–")
    e = escape
    demand_number = _("Demand number")
    body = [f"<h1>{e(title)}</h1>",
            f'<div class="letter-head"><span>{e(territory)}</span>'
            f"<span>{e(demand_number)} {e(r['demand_id'])}</span></div>"]
    # 1. outcome and reason
    body += [_el("h2", _("The decision proposed for you")),
             _el("p", labels.outcome_label(r["outcome"]), "outcome"),
             _el("p", f.reason(r, for_applicant=True))]
    # 2. score and breakdown
    rows = "".join(f"<tr><td>{e(lab)}</td><td>{e(p)}</td><td>{e(note)}</td></tr>"
                   for lab, p, note in breakdown_parts(r["score_breakdown"]))
    heads = "".join(_el("th", h) for h in (_("Part"), _("Points"), _("Detail")))
    body += [_el("h2", _("Your score and how it is made")),
             _el("p", _("Your score is {points} points. It adds up the following parts:"
                        ).format(points=r["score"])),
             f'<div class="scroll"><table class="score"><thead><tr>{heads}</tr></thead>'
             f"<tbody>{rows}</tbody><tfoot><tr>{_el('th', _('Total'))}"
             f"{_el('th', r['score'])}<th></th></tr></tfoot></table></div>"]
    # 3. waiting time and rank among similar demands
    months = _months(r["score_breakdown"])
    wait = (_("Your demand has been waiting {months} whole months at the date of the round "
              "(counted from its registration date, as the cotation grid counts it).")
            .format(months=months) if months is not None else
            _("Your waiting time does not count in the score of this territory."))
    body += [_el("h2", _("Your waiting time and your rank")), _el("p", wait),
             _el("p", _("Among the {n} similar demands ({segment}), yours ranks {rank} (1 = "
                        "the highest score). Their median score is {median} points.").format(
                 n=r["segment_size"], segment=_segment(r["segment"]),
                 rank=r["rank_in_segment"], median=_n(r["segment_score_median"]))),
             _el("p", colon(_("Observed wait of similar households")) + " "
                 + observed_wait(r) + ".")]
    mine = f.my_shortlists(demand_id)
    if len(mine):
        items = "".join(_el("li", _("unit {unit}: rank {rank}").format(unit=x.unit_id,
                                                                       rank=x.rank))
                        for x in mine.itertuples())
        body += [_el("p", _("You are among the candidates presented to the commission for "
                            "these units (if a candidate ranked before you declines, the unit "
                            "may be offered to you):")) + f"<ul>{items}</ul>"]
    # 4. how the cotation works
    body += [_el("h2", _("How the cotation works")), _grid(f.manifest.get("policy", {})),
             _el("h2", _("About this decision")),
             _el("p", _("This proposal was prepared with an algorithm (scoring and "
                        "optimisation); the decision belongs to the commission (CALEOL). The "
                        "score is a decision aid (CCH L441-2-8); you may ask for the rules "
                        "and their application to your situation (CRPA L311-3-1 and "
                        "R311-3-1-2, CCH R441-2-17)."))]
    return page(title, "".join(body), extra_css=_LETTER_CSS)


def _el(tag: str, text, cls: str | None = None) -> str:
    """One element holding escaped text."""
    attr = f' class="{cls}"' if cls else ""
    return f"<{tag}{attr}>{escape(str(text))}</{tag}>"


def _grid(policy: dict) -> str:
    """The cotation grid in plain words."""
    c = policy.get("cotation", {}) or {}
    e = escape
    items = []
    if c.get("points_per_month"):
        items.append(ngettext("{points} point per whole month of waiting since registration.",
                              "{points} points per whole month of waiting since registration.",
                              int(c["points_per_month"])).format(points=c["points_per_month"]))
    if c.get("overdue_bonus"):
        items.append(_("{points} extra points once the wait reaches {months} months (abnormally "
                       "long wait).").format(points=c["overdue_bonus"],
                                              months=c.get("overdue_months", "–")))
    for col, pts in (c.get("bonus") or {}).items():
        items.append(_("{points} points if: {criterion}.").format(
            points=pts, criterion=labels.criterion_label(col)))
    for rubric in c.get("rubrics") or []:
        crit = _(", ").join(f"{labels.criterion_label(k)} ({v})"
                            for k, v in (rubric.get("points") or {}).items())
        items.append(_("Rubric “{rubric}”: only the highest applicable criterion counts — "
                       "{criteria}.").format(rubric=rubric.get("name", ""), criteria=crit))
    if c.get("refusal_malus"):
        items.append(_("{points} points less for each suitable offer refused in the last 12 "
                       "months.").format(points=c["refusal_malus"]))
    if not items:
        return ("<p>" + escape(_('The grid is in the manifest of the results folder.')) + "</p>")
    return ("<p>" + e(_("Every demand of the territory is scored with the same grid:"))
            + "</p><ul>" + "".join(f"<li>{e(i)}</li>" for i in items) + "</ul>"
            + "<p>" + e(_("The optimisation then allocates the units of the round to maximise "
                          "first the number of units let, then the sum of the scores of the "
                          "households housed, within the income ceilings, the rent burden "
                          "limit, the wishes of each applicant and the legal quotas.")) + "</p>")


class PdfUnavailable(AttributionError):
    """PDF letters need WeasyPrint (``pip install 'attribution[pdf]'``)."""


def pdf_writer():
    """A function ``(html, path)`` writing a PDF with WeasyPrint; :class:`PdfUnavailable`
    when WeasyPrint (or the Pango library it uses) is not installed."""
    try:
        import weasyprint
    except (ImportError, OSError) as exc:
        raise PdfUnavailable(_("PDF letters need WeasyPrint: pip install weasyprint ({error})."
                               ).format(error=exc)) from None

    def write(html: str, path: Path) -> None:
        weasyprint.HTML(string=html).write_pdf(str(path))
    return write


def safe_name(demand_id: str) -> str:
    """A file name for a demand id (characters other than letters, digits, ``-_.`` → ``_``)."""
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in demand_id) or "demand"


def write_letters(folder: Path | str, out: Path | str,
                  demand_ids: list[str] | None = None, *, pdf: bool = False) -> list[Path]:
    """One letter per demand (all by default) into ``out`` as ``<demand_id>.html`` (and
    ``.pdf`` with ``pdf``, through WeasyPrint)."""
    f = _Folder(folder)
    ids = demand_ids or list(f.decisions["demand_id"])
    for demand_id in ids:       # unknown ids fail before anything is written
        f.row(demand_id)
    to_pdf = pdf_writer() if pdf else None
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written, used = [], set()
    for demand_id in ids:
        name, k = safe_name(demand_id), 2
        while name in used:     # two ids that differ only in unsafe characters
            name, k = f"{safe_name(demand_id)}-{k}", k + 1
        used.add(name)
        path = out / f"{name}.html"
        html = letter(folder, demand_id, _f=f)
        path.write_text(html, encoding="utf-8")
        written.append(path)
        if to_pdf is not None:
            to_pdf(html, path.with_suffix(".pdf"))
    return written


__all__ = ["PdfUnavailable", "UnknownDemand", "explain", "letter", "pdf_writer",
           "write_letters", "language"]


def observed_wait(r) -> str:
    """The observed wait of households housed in a similar segment (from a ledger), or the
    statement that no observed figure exists yet — never the queue's seniority."""
    basis = r.get("observed_wait_basis", "none") or "none"
    months = r.get("observed_wait_months", "")
    if basis == "none" or months is None or str(months).strip() in ("", "nan"):
        return _("no observed figure exists yet (no lease of similar households recorded "
                 "in the ledger)")
    scope = (_("similar households") if basis == "segment"
             else _("households of the same size, all communes"))
    return _("{months} months: median from registration to lease of the {n} {scope} housed "
             "in the last 12 months").format(months=_n(months),
                                             n=int(float(r["observed_wait_households"])),
                                             scope=scope)
