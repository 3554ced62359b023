"""The reads of someone's data that an act is, as `Read`s for that person's data-access log
(saga/domain/access_log.py), denials included: an opening of an application by someone other than its
principal (what they may see is saga/domain/access.py's `Sight`), an officer's opening of a case, a
refused attempt, and the register lookups made at Submit on the caller's behalf.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from lifeevents.callers import Principal, Role
from lifeevents.identifiers import InvalidIdentifier, parse_resident_id
from saga.domain.access import Purpose, Sight, SightKind
from saga.domain.bundle import Bundle

SERVICE_SUBJECT = "coordinator"  # who asks the registers at Submit, on the caller's behalf


@dataclass(frozen=True)
class Read:
    """One read of a person's data by someone else, for that person's data-access log."""

    subject: str          # whose data: a resident ID
    accessor: str         # who read it: a staff id, a resident ID, a department
    accessor_role: str
    department: str       # the accessor's department (an officer's), or the register asked
    items: tuple[str, ...]
    application_id: str
    purpose: str
    allowed: bool = True
    on_behalf_of: str = ""  # for a register lookup at Submit: who submitted


def reads_of(caller: Principal, sight: Sight, principals: Iterable[str], application_id: str, items: Iterable[str],
             purpose: Purpose, reason: str = "") -> list[Read]:
    """The reads an opening of the application is, one per principal, unless the caller is one."""
    if sight.kind is SightKind.PRINCIPAL:
        return []
    why = {SightKind.AGENT: "following the application under a delegation",
           SightKind.FRONT_DESK: "opening the case at the front desk",
           SightKind.DEPARTMENT: "opening the case",
           SightKind.PUBLIC: "objecting to its public notice"}.get(sight.kind, purpose.value)
    if reason:
        why = f"{why}: {reason}"
    return [Read(subject, caller.subject, caller.role.value, caller.department, tuple(items), application_id, why)
            for subject in dict.fromkeys(principals)]


def case_reads(officer: str, department: str, principals: Iterable[str], application_id: str,
               items: Iterable[str]) -> list[Read]:
    """An officer opened (claimed, or decided) a case of the application in their department's worklist,
    with the items its step sent: a read for each principal's log (the department told the coordinator)."""
    return [Read(subject, officer, Role.OFFICER.value, department, tuple(sorted(items)), application_id,
                 "opening the case in the department's worklist") for subject in dict.fromkeys(principals)]


def refusals_of(caller: Principal, principals: Iterable[str], application_id: str, purpose: Purpose) -> list[Read]:
    """A refused attempt to read an application, for each principal's log."""
    return [Read(subject, caller.subject, caller.role.value, caller.department, (), application_id,
                 f"{purpose.value}: refused", allowed=False)
            for subject in dict.fromkeys(principals) if subject != caller.subject]


def lookup_reads(bundle: Bundle, made: Mapping[tuple[str, str, str], Mapping[str, str] | None],
                 used_fields: Iterable[str], caller: Principal, application_id: str) -> list[Read]:
    """The register lookups made at Submit (department, query, key -> record found), as reads of the
    person each record is about: the key when it is a resident ID, else the resident IDs the record
    gave (a company's legal representative). Items: the values the form took from it."""
    used_fields = set(used_fields)
    reads = []
    for (department, query, key), record in made.items():
        if not record:
            continue
        fields = [f for f in bundle.fields.values() if f.lookup is not None and f.name in used_fields
                  and (f.lookup.department, f.lookup.query) == (department, query)]
        items = tuple(sorted({f.lookup.value for f in fields}))
        if not items:
            continue
        subjects = [key] if is_resident_id(key) else [
            record.get(f.lookup.value, "") for f in fields
            if f.type == "resident_id" and is_resident_id(record.get(f.lookup.value, ""))]
        reads += [Read(subject, SERVICE_SUBJECT, Role.SERVICE.value, department, items, application_id,
                       f"materials reuse: {query} for the {bundle.id} application", on_behalf_of=caller.subject)
                  for subject in dict.fromkeys(subjects)]
    return reads


def is_resident_id(value: str) -> bool:
    try:
        parse_resident_id(value)
    except InvalidIdentifier:
        return False
    return True
