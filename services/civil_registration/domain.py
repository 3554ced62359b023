"""Civil registration (public security household register, 户籍): persons, households, births."""
from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from lifeevents.identifiers import make_resident_id, parse_resident_id
from services.common.domain import Department, Inputs, Refusal


class CivilRegistration(Department):
    name = "civil_registration"
    actions = ("register_birth",)
    lookups = {"person": "person", "household_of": "household_of", "spouse_of": "spouse_of"}

    def register_birth(self, inputs: Inputs, today: dt.date) -> dict:
        certificate_no = inputs.required("birth_certificate_no")
        mother_id = inputs.resident_id("mother_id", today).number
        child_name = inputs.required("child_name")
        sex = inputs.required("child_sex")
        birth_date = inputs.date("birth_date")
        mother = self.check_known_person(mother_id, "mother")
        father_id = inputs.optional("father_id")
        if father_id:
            self.check_known_person(inputs.resident_id("father_id", today).number, "father")
        if self.register.find("person", birth_certificate_no=certificate_no):
            raise Refusal(f"birth certificate {certificate_no} is already registered")
        same_child = [p for p in self.register.find("person", mother_id=mother_id, name=child_name)
                      if p["birth_date"] == birth_date.isoformat()]
        if same_child:
            raise Refusal(f"{child_name}, born {birth_date.isoformat()} to this mother, is already registered "
                          f"as {same_child[0]['resident_id']}")
        household = self.register.get("household", mother["household_no"])
        child_id = self.allocate_resident_id(household["area_code"], birth_date, sex)
        self.register.put("person", child_id, {
            "resident_id": child_id, "name": child_name, "sex": sex, "birth_date": birth_date.isoformat(),
            "household_no": household["household_no"], "mother_id": mother_id, "father_id": father_id,
            "birth_certificate_no": certificate_no, "relation": "child", "registered_on": today.isoformat()})
        household["members"] = household["members"] + [child_id]
        self.register.put("household", household["household_no"], household)
        return {"child_id": child_id, "household_no": household["household_no"],
                "household_address": household["address"]}

    def check_known_person(self, resident_id: str, role: str) -> dict:
        person = self.register.get("person", resident_id)
        if person is None:
            raise Refusal(f"the {role} ({resident_id}) is not in the civil register")
        if person.get("deceased_on"):
            raise Refusal(f"the {role} ({resident_id}) is recorded as deceased")
        return person

    def allocate_resident_id(self, area_code: str, birth_date: dt.date, sex: str) -> str:
        # GB 11643: the sequence is odd for a man, even for a woman, unique per area and birth date.
        counter = self.register.next_number(f"sequence:{area_code}:{birth_date:%Y%m%d}:{sex}")
        sequence = 2 * counter - 1 if sex == "male" else 2 * counter
        if sequence > 999:
            raise Refusal(f"no resident ID sequence left for {area_code} on {birth_date.isoformat()}")
        return make_resident_id(area_code, birth_date, sequence)

    # -- reference data and queries ----------------------------------------------------
    def load_seed(self, seed: Mapping[str, Any]) -> int:
        """Put the seed households and their members in the register, skipping what is already there."""
        added = 0
        with self.register.transaction():
            for household in seed.get("households", []):
                if self.register.get("household", household["household_no"]) is not None:
                    continue
                members = []
                for member in household["members"]:
                    parsed = parse_resident_id(member["resident_id"])
                    self.register.put("person", parsed.number, {
                        "resident_id": parsed.number, "name": member["name"], "sex": parsed.sex,
                        "birth_date": parsed.birth_date.isoformat(), "household_no": household["household_no"],
                        "relation": member.get("relation", "member")})
                    members.append(parsed.number)
                self.register.put("household", household["household_no"], {
                    "household_no": household["household_no"], "area_code": household["area_code"],
                    "address": household["address"], "head_id": members[0], "members": members})
                added += 1
        return added

    def person(self, resident_id: str) -> dict | None:
        return self.register.get("person", resident_id)

    def household_of(self, resident_id: str) -> dict | None:
        household = self.household(member_id=resident_id)
        return None if household is None else {k: v for k, v in household.items() if k != "members"}

    def spouse_of(self, resident_id: str) -> dict | None:
        """The person's spouse in the same household (the head's spouse, or the head of a spouse)."""
        person, household = self.person(resident_id), self.household(member_id=resident_id)
        if person is None or household is None or person.get("relation") not in ("head", "spouse"):
            return None
        wanted = "spouse" if person["relation"] == "head" else "head"
        for member_id in household["members"]:
            member = self.person(member_id)
            if member and member.get("relation") == wanted and not member.get("deceased_on"):
                return {"resident_id": member["resident_id"], "name": member["name"]}
        return None

    def household(self, household_no: str = "", member_id: str = "") -> dict | None:
        if not household_no and member_id:
            person = self.person(member_id)
            household_no = person["household_no"] if person else ""
        return self.register.get("household", household_no) if household_no else None
