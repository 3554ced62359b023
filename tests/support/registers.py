"""What the departments' registers hold after a run of many applications, as the fault and scale
suites check it: every effect a bundle has (a certificate, a person, a card, a company) once."""
from __future__ import annotations

import collections
from collections.abc import Callable, Iterable

Records = Callable[[str, str], Iterable[dict]]

# (department, kind of record, the field that names whose it is): one record per application.
ONCE_PER_APPLICATION = (
    ("health", "birth_certificate", "child_name"),
    ("health", "vaccination_record", "child_name"),
    ("medical_insurance", "enrolment", "name"),
    ("social_security", "card", "name"),
    ("market_regulation", "company", "name"),
)


def duplicated_effects(records: Records) -> int:
    """How many records beyond one each name has, over every kind above and the children registered."""
    counters = [collections.Counter(row.get(field) for row in records(department, kind))
                for department, kind, field in ONCE_PER_APPLICATION]
    counters.append(collections.Counter(p.get("name") for p in records("civil_registration", "person")
                                        if p.get("relation") == "child"))
    return sum(n - 1 for counter in counters for n in counter.values() if n > 1)
