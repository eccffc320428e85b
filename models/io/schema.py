"""The column contract of ``demands`` and ``units`` tables, as data.

Each :class:`ColumnSpec` says what one column must hold; :mod:`models.io.validation` reads
these specs to parse and check a table, and the error messages quote
:attr:`ColumnSpec.expected`. The names and meanings follow the data contract
(``docs`` / ``data-contract.md``); optional columns may be absent from the file and then
take their default.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import N_, _

#: The sets a list or category column names, for people (``domain`` → words).
DOMAINS = {"communes": N_("communes"), "typologies": N_("typologies"),
           "landlords": N_("landlords"), "reservataires": N_("reservataires"),
           "financings": N_("financings")}

#: Kinds of cell a column may hold.
KINDS = ("id", "int", "float", "bool", "date", "list", "category")


@dataclass(frozen=True)
class ColumnSpec:
    """What one column of a table must hold.

    Parameters
    ----------
    name
        Column name exactly as in the header.
    kind
        One of :data:`KINDS`. ``list`` cells are ``;``-separated names; ``category`` cells
        are one name out of a known set (``domain`` says which set).
    required
        Whether the column must be in the header. Cells of a required column must not be
        empty, except ``list`` cells (empty list = no restriction).
    low
        Smallest allowed value for numbers, or ``None``.
    strict
        The value must be strictly greater than ``low``.
    domain
        For ``list`` and ``category``: ``"communes"``, ``"typologies"``, ``"landlords"``,
        ``"reservataires"`` or ``"financings"``.
    """

    name: str
    kind: str
    required: bool = True
    low: float | None = None
    strict: bool = False
    domain: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"The 'kind' of ColumnSpec must be one of {KINDS}; got {self.kind!r}.")

    @property
    def expected(self) -> str:
        """What a valid cell looks like, for error messages (\"an integer ≥ 1\"), in the
        current language."""
        bound = ""
        if self.low is not None:
            low = int(self.low) if float(self.low).is_integer() else self.low
            bound = f" {'>' if self.strict else '≥'} {low}"
        domain = _(DOMAINS.get(self.domain or "", self.domain or ""))
        if self.kind == "id":
            return _("a non-empty identifier")
        if self.kind == "int":
            return _("an integer{bound}").format(bound=bound)
        if self.kind == "float":
            return _("a number{bound}").format(bound=bound)
        if self.kind == "bool":
            return _("true/false, 1/0, yes/no or oui/non")
        if self.kind == "date":
            return _("a date YYYY-MM-DD or DD/MM/YYYY")
        if self.kind == "list":
            return _("a ';'-separated list of {domain}").format(domain=domain)
        return _("one of the {domain}").format(domain=domain)


def _specs(*specs: ColumnSpec) -> dict[str, ColumnSpec]:
    return {s.name: s for s in specs}


#: Columns of ``demands`` (any other bool/number column is a cotation criterion).
DEMAND_COLUMNS: dict[str, ColumnSpec] = _specs(
    ColumnSpec("demand_id", "id"),
    ColumnSpec("registered_on", "date"),
    ColumnSpec("household_size", "int", low=1),
    ColumnSpec("adults", "int", low=1),
    ColumnSpec("children_under_14", "int", low=0),
    ColumnSpec("dependants", "int", low=0),
    ColumnSpec("couple", "bool"),
    ColumnSpec("ages_sum", "int", required=False, low=0),
    ColumnSpec("disability", "bool"),
    ColumnSpec("pmr_need", "bool"),
    ColumnSpec("annual_income", "float", low=0),
    ColumnSpec("monthly_income", "float", low=0),
    ColumnSpec("housing_allowance", "float", required=False, low=0),
    ColumnSpec("priority", "bool"),
    ColumnSpec("dalo", "bool"),
    ColumnSpec("mutation", "bool"),
    ColumnSpec("anru", "bool"),
    ColumnSpec("private_employee", "bool"),
    ColumnSpec("state_agent", "bool"),
    ColumnSpec("wished_communes", "list", domain="communes"),
    ColumnSpec("wished_typologies", "list", required=False, domain="typologies"),
    ColumnSpec("refusals", "int", low=0),
)

#: Columns of ``units``.
UNIT_COLUMNS: dict[str, ColumnSpec] = _specs(
    ColumnSpec("unit_id", "id"),
    ColumnSpec("landlord", "category", domain="landlords"),
    ColumnSpec("commune", "category", domain="communes"),
    ColumnSpec("qpv", "bool"),
    ColumnSpec("typology", "category", domain="typologies"),
    ColumnSpec("rooms", "int", low=1),
    ColumnSpec("surface_m2", "float", low=0, strict=True),
    ColumnSpec("rent", "float", low=0),
    ColumnSpec("financing", "category", domain="financings"),
    ColumnSpec("pmr", "bool"),
    ColumnSpec("available_on", "date"),
    ColumnSpec("reservataire", "category", required=False, domain="reservataires"),
    ColumnSpec("outside_flow", "bool", required=False),
)
