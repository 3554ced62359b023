"""What the departments' registers hold after a run of many applications, as the fault and scale
suites check it: every effect a completed bundle promised (a certificate, a child, a card, a
company) there once, and none twice."""
from __future__ import annotations

import collections
from collections.abc import Callable, Iterable, Mapping

Records = Callable[[str, str], Iterable[dict]]

# By bundle: the form field naming whose effects they are, and each effect as (department, kind of
# record, the record's field holding that name); None for the children in the civil register.
EFFECTS = {
    "newborn": ("child_name", (("health", "birth_certificate", "child_name"),
                               ("health", "vaccination_record", "child_name"),
                               None,
                               ("medical_insurance", "enrolment", "name"),
                               ("social_security", "card", "name"))),
    "startup": ("company_name", (("market_regulation", "company", "name"),)),
}


class RegisterEffects:
    """How many records each name has, for every effect a bundle above promises."""

    def __init__(self, records: Records):
        self.counts: dict[tuple[str, str] | None, collections.Counter] = {}
        for _, effects in EFFECTS.values():
            for effect in effects:
                if effect is None:
                    rows = (p.get("name") for p in records("civil_registration", "person")
                            if p.get("relation") == "child")
                else:
                    department, kind, field = effect
                    rows = (row.get(field) for row in records(department, kind))
                self.counts[effect] = collections.Counter(rows)

    @property
    def duplicates(self) -> int:
        """Records beyond one per name, over every effect."""
        return sum(n - 1 for counter in self.counts.values() for n in counter.values() if n > 1)

    def lacks(self, bundle: str, form: Mapping[str, str]) -> bool:
        """Whether a completed application of the bundle lacks an effect it promised (False for a
        bundle whose effects are not counted)."""
        if bundle not in EFFECTS:
            return False
        name_field, effects = EFFECTS[bundle]
        return any(self.counts[effect][form[name_field]] == 0 for effect in effects)
