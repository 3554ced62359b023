"""Who can be chosen at the development sign-in, and how people are shown where others may look."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

# The suite's one set of masks (lifeevents/privacy.py), as the web shows people where others may look.
from lifeevents.identity import Role
from lifeevents.privacy import mask_name, mask_resident_id  # noqa: F401  (used here and by web/session.py)

DEMO_PEOPLE_FILE = Path(__file__).with_name("demo_people.yaml")


@dataclass(frozen=True)
class DemoPerson:
    resident_id: str
    name: str
    note: dict[str, str]
    role: Role = Role.CITIZEN  # or an agent (帮办代办员), who acts for people who delegated to them

    @property
    def masked(self) -> str:
        return f"{mask_name(self.name)} {mask_resident_id(self.resident_id)}"


def demo_people(path: Path = DEMO_PEOPLE_FILE) -> tuple[DemoPerson, ...]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))["people"]
    return tuple(DemoPerson(str(e["resident_id"]), e["name"], dict(e.get("note") or {}), Role(e.get("role", "citizen")))
                 for e in entries)
