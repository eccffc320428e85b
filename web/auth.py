"""Accounts and roles: who may see and do what.

Roles
-----
``cil``
    Everything: territory, rounds, every agenda and decision, the year, scenarios.
``landlord:<name>``
    Its own units: their agendas, decisions and the applicants on them; the aggregates.
``reservataire:<id>``
    The units of its flow, read-only (agendas, applicants on them); the aggregates.
``viewer``
    Aggregates only (round results, the year, scenarios): no personal data.

Passwords are stored as Argon2id hashes (argon2-cffi), never in clear.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from attribution.models.i18n import _

from .db import reading, users

_hasher = PasswordHasher()
#: A hash to verify against when the name is unknown, so that the time taken does not
#: tell whether an account exists.
_DUMMY = _hasher.hash("not a password")

ROLE_KINDS = ("cil", "viewer", "landlord", "reservataire")
MIN_PASSWORD = 8


class AccountError(ValueError):
    """A role or password that cannot be used (message for the user)."""


@dataclass(frozen=True)
class Principal:
    """The signed-in user: name and role, split into kind and scope."""

    name: str
    role: str

    @property
    def kind(self) -> str:
        return self.role.split(":", 1)[0]

    @property
    def scope(self) -> str | None:
        """The landlord's name or the réservataire's id (None for cil / viewer)."""
        return self.role.split(":", 1)[1] if ":" in self.role else None

    @property
    def is_cil(self) -> bool:
        return self.kind == "cil"

    @property
    def sees_people(self) -> bool:
        """May see personal (pseudonymous) data at all: agendas, decisions, letters."""
        return self.kind in ("cil", "landlord", "reservataire")

    def may_see_unit(self, landlord: str, reservataire: str | None) -> bool:
        """A unit's agenda: the CIL, its landlord, the réservataire of its flow."""
        if self.kind == "cil":
            return True
        if self.kind == "landlord":
            return landlord == self.scope
        if self.kind == "reservataire":
            return bool(reservataire) and reservataire == self.scope
        return False

    def may_decide_unit(self, landlord: str) -> bool:
        """Record the commission's decisions on a unit: the CIL and the unit's landlord."""
        return self.kind == "cil" or (self.kind == "landlord" and landlord == self.scope)


def check_role(role: str, landlords: list[str] | None = None,
               reservataires: list[str] | None = None) -> str:
    """The role, checked (raises :class:`AccountError` naming what is expected)."""
    kind, _colon, scope = role.partition(":")
    if kind not in ROLE_KINDS:
        raise AccountError(_("Expected a role among cil, viewer, landlord:<name>, "
                             "reservataire:<id>; got '{role}'.").format(role=role))
    if kind in ("cil", "viewer") and scope:
        raise AccountError(_("The role '{kind}' takes no ':<name>'; got '{role}'.").format(
            kind=kind, role=role))
    if kind in ("landlord", "reservataire") and not scope.strip():
        raise AccountError(_("Expected '{kind}:<{what}>'; got '{role}'.").format(
            kind=kind, what="name" if kind == "landlord" else "id", role=role))
    known = landlords if kind == "landlord" else reservataires if kind == "reservataire" \
        else None
    if known is not None and scope not in known:
        raise AccountError(_("Expected a {kind} of the territory ({names}); got "
                             "'{value}'.").format(kind=kind, names=", ".join(known),
                                                  value=scope))
    return role


def add_user(engine: Engine, name: str, role: str, password: str, *,
             replace: bool = False) -> None:
    """Create (or with ``replace``, update) an account."""
    name = name.strip()
    if not name or len(name) > 120:
        raise AccountError(_("Expected a user name of 1 to 120 characters."))
    if len(password) < MIN_PASSWORD:
        raise AccountError(_("Expected a password of at least {n} characters.").format(
            n=MIN_PASSWORD))
    check_role(role)
    row = {"role": role, "password_hash": _hasher.hash(password)}
    with engine.begin() as conn:
        exists = conn.execute(select(users.c.name).where(users.c.name == name)).first()
        if exists and not replace:
            raise AccountError(_("The user '{name}' exists already (use --replace).").format(
                name=name))
        if exists:
            conn.execute(update(users).where(users.c.name == name).values(**row))
        else:
            conn.execute(insert(users).values(name=name, created_at=datetime.now(timezone.utc),
                                              **row))


def authenticate(engine: Engine, name: str, password: str) -> Principal | None:
    """The account if the password matches, else None (same work either way)."""
    with reading(engine) as conn:
        row = conn.execute(select(users).where(users.c.name == name.strip())).first()
    try:
        _hasher.verify(row.password_hash if row else _DUMMY, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    return Principal(row.name, row.role) if row else None


def lookup(engine: Engine, name: str) -> Principal | None:
    """The account named in a session (None if it was removed since)."""
    with reading(engine) as conn:
        row = conn.execute(select(users.c.name, users.c.role)
                           .where(users.c.name == name)).first()
    return Principal(row.name, row.role) if row else None


def count_users(engine: Engine) -> int:
    with reading(engine) as conn:
        return len(conn.execute(select(users.c.name)).all())
