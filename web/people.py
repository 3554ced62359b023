"""Who can be chosen at the development sign-in, and how people are shown where others may look."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

DEMO_PEOPLE_FILE = Path(__file__).with_name("demo_people.yaml")


def mask_name(name: str) -> str:
    """李秀英 -> 李*英, 张伟 -> 张*: enough to recognise oneself, not to identify someone else."""
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_resident_id(number: str) -> str:
    """370202199205140022 -> 370202********0022 (the area and the last four stay)."""
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


@dataclass(frozen=True)
class DemoPerson:
    resident_id: str
    name: str
    note: dict[str, str]

    @property
    def masked(self) -> str:
        return f"{mask_name(self.name)} {mask_resident_id(self.resident_id)}"


def demo_people(path: Path = DEMO_PEOPLE_FILE) -> tuple[DemoPerson, ...]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))["people"]
    return tuple(DemoPerson(str(e["resident_id"]), e["name"], dict(e.get("note") or {})) for e in entries)
