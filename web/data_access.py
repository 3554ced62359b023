"""The data-access log ("who looked at my data") as a person reads it: who (a department's officer,
an agent, an operator, or the suite asking a register on someone's behalf), in what role, when,
which items, for which application and why, in the page's language. The API gives the purpose as
an English phrase (saga/domain/access.py); the known phrases are said in the page's language here,
an operator's stated reason after them as it was written, and an unknown phrase as the API gave it.
Resident IDs are shown masked, as anywhere others may see the screen."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Mapping

from lifeevents.identity import FRONT_DESK, Role
from lifeevents.identifiers import InvalidIdentifier, parse_resident_id
from lifeevents.privacy import mask_resident_id
from lifeevents.v1 import applications_pb2 as pb
from web.i18n import Translator
from web.progress import shown_time

# The API's purposes (saga/domain/access.py: Purpose, reads_of, lookup_reads) -> catalogue keys.
_PURPOSES: tuple[tuple[re.Pattern, str], ...] = tuple((re.compile(p), key) for p, key in (
    (r"^materials reuse: (?P<query>\w+) for the (?P<bundle>\w+) application$", "access.purpose.materials_reuse"),
    (r"^following the application under a delegation$", "access.purpose.agent"),
    (r"^opening the case at the front desk$", "access.purpose.front_desk"),
    (r"^opening the case$", "access.purpose.officer"),
    (r"^objecting to its public notice$", "access.purpose.objection"),
    (r"^following the application$", "access.purpose.follow"),
    (r"^watching the application$", "access.purpose.watch"),
    (r"^history$", "access.purpose.history"),
    (r"^replay$", "access.purpose.replay"),
))
_REFUSED = ": refused"


@dataclass(frozen=True)
class EntryView:
    position: int
    at: str
    who: str
    role: str
    items: str
    application_id: str
    purpose: str
    allowed: bool


def is_resident_id(value: str) -> bool:
    try:
        parse_resident_id(value)
    except InvalidIdentifier:
        return False
    return True


def shown_person(value: str) -> str:
    return mask_resident_id(value) if is_resident_id(value) else value


def purpose_text(purpose: str, bundle_names: Mapping[str, str], t: Translator) -> str:
    """The purpose in the page's language; "<purpose>: <reason>" keeps the stated reason as written."""
    refused = purpose.endswith(_REFUSED)
    text = purpose.removesuffix(_REFUSED) if refused else purpose
    phrase, _, reason = text.partition(": ")
    for candidate, stated in ((text, ""), (phrase, reason)):
        for pattern, key in _PURPOSES:
            match = pattern.match(candidate)
            if match:
                groups = match.groupdict()
                said = t(key, **({"bundle": bundle_names.get(groups["bundle"], groups["bundle"])}
                                 if "bundle" in groups else {}))
                if stated:
                    said = t("access.purpose.with_reason", purpose=said, reason=stated)
                return t("access.refused_attempt", purpose=said) if refused else said
    return purpose


def who_text(entry: pb.DataAccessEntry, t: Translator) -> str:
    if entry.accessor_role == Role.SERVICE.value:
        on_behalf = shown_person(entry.on_behalf_of) if entry.on_behalf_of else t("access.someone")
        return t("access.who.register", department=t.department(entry.department), on_behalf_of=on_behalf)
    who = shown_person(entry.accessor)
    if entry.accessor_role == Role.OFFICER.value and entry.department:
        department = t("department.front_desk") if entry.department == FRONT_DESK else t.department(entry.department)
        return t("access.who.officer", who=who, department=department)
    return who


def entry_view(entry: pb.DataAccessEntry, labels: Mapping[str, str], bundle_names: Mapping[str, str],
               t: Translator) -> EntryView:
    role = t.maybe(f"role.{entry.accessor_role}", entry.accessor_role)
    if entry.accessor_role == Role.OFFICER.value:
        role = t("role.officer_plain")
    return EntryView(position=entry.position,
                     at=shown_time(entry.at.ToDatetime(dt.timezone.utc)) if entry.HasField("at") else "",
                     who=who_text(entry, t), role=role,
                     items=t.join(labels.get(item) or t.item(item) for item in entry.items),
                     application_id=entry.application_id, purpose=purpose_text(entry.purpose, bundle_names, t),
                     allowed=entry.allowed)
