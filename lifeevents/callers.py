"""Who can call the suite, as the access rules see them: a role, a subject and (for an officer) a
department. Pure values with no token machinery, so the coordinator's domain can decide with
them; lifeevents/identity.py turns a verified token into one."""
from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from lifeevents.identifiers import InvalidIdentifier, parse_resident_id

FRONT_DESK = "front_desk"  # an officer's "department" at the one-window front desk (前台受理)


class Role(str, enum.Enum):
    CITIZEN = "citizen"      # acts for themselves; the subject is their resident ID
    AGENT = "agent"          # a service-centre helper (帮办代办员) acting under delegations
    OFFICER = "officer"      # a department's (or the front desk's) officer; has a department
    OPERATOR = "operator"    # keeps the suite running: lists, retries, skips, reads histories
    ADMIN = "admin"          # operator rights plus replay, rebuild and what-if
    HOSPITAL = "hospital"    # records births (proactive service); the subject is the hospital
    SERVICE = "service"      # one of the suite's own processes calling another


class BadSubject(ValueError):
    """A token asked for a subject or role that makes no sense (a citizen without a valid ID...)."""


@dataclass(frozen=True)
class Principal:
    """The verified caller."""

    subject: str
    role: Role
    department: str = ""
    name: str = ""
    issuer: str = ""
    expires_at: dt.datetime | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.OFFICER, Role.OPERATOR, Role.ADMIN)

    @property
    def is_person(self) -> bool:
        """A citizen or an agent: someone whose subject is a resident ID."""
        return self.role in (Role.CITIZEN, Role.AGENT)


def check_subject(subject: str, role: Role, department: str = "", today: dt.date | None = None) -> str:
    """The subject as tokens carry it; BadSubject when the role needs something else."""
    subject = (subject or "").strip()
    if not subject or len(subject) > 64 or not subject.isascii() or not subject.isprintable():
        raise BadSubject("a subject is 1 to 64 printable ASCII characters")
    if role in (Role.CITIZEN, Role.AGENT):
        try:
            subject = parse_resident_id(subject, today).number
        except InvalidIdentifier as err:
            raise BadSubject(f"a {role.value}'s subject is their resident ID (GB 11643): {err}") from None
    if role is Role.OFFICER and not department:
        raise BadSubject("an officer's token names a department (or front_desk)")
    return subject
