"""Social security bureau: social security card applications (社会保障卡申领)."""
from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from services.common.companies import credit_code
from services.common.domain import Department, Inputs, Refusal


class SocialSecurity(Department):
    name = "social_security"
    actions = ("apply_card", "register_employer", "close_employer")

    def apply_card(self, inputs: Inputs, today: dt.date) -> dict:
        person = inputs.resident_id("child_id", today)
        address = inputs.required("mailing_address")
        if len(address) < 6:
            raise Refusal("mailing_address is too short to deliver a card to")
        existing = self.register.get("card", person.number)
        if existing is not None and existing["status"] != "cancelled":
            raise Refusal(f"{person.number} already has social security card {existing['card_no']}")
        # Card numbers: one letter and eight digits, as printed on the third-generation card.
        card_no = f"S{self.register.next_number('card'):08d}"
        self.register.put("card", person.number, {
            "card_no": card_no, "resident_id": person.number, "name": inputs.required("child_name"),
            "status": "in_production", "mailing_address": address, "applied_on": today.isoformat()})
        return {"card_no": card_no}

    def register_employer(self, inputs: Inputs, today: dt.date) -> dict:
        code = credit_code(inputs)
        existing = self.register.get("employer", code)
        if existing is not None and existing["status"] == "open":
            raise Refusal(f"{code} is already registered for social insurance as {existing['employer_no']}")
        employer_no = f"SB{self.register.next_number('employer'):09d}"
        self.register.put("employer", code, {
            "employer_no": employer_no, "credit_code": code, "name": inputs.required("company_name"),
            "status": "open", "registered_on": today.isoformat()})
        return {"social_insurance_employer_no": employer_no}

    def close_employer(self, inputs: Inputs, today: dt.date) -> dict:
        code = credit_code(inputs)
        employer = self.register.get("employer", code)
        if employer is None or employer["status"] != "open":
            raise Refusal(f"{code} has no open social insurance account")
        if employer.get("arrears_yuan", 0) > 0:
            raise Refusal(f"{employer['arrears_yuan']} yuan of social insurance contributions are in arrears")
        employer.update(status="closed", closed_on=today.isoformat())
        self.register.put("employer", code, employer)
        return {"closed_employer_no": employer["employer_no"]}

    def load_seed(self, seed: Mapping[str, Any]) -> int:
        added = 0
        with self.register.transaction():
            for employer in seed.get("employers", []):
                if self.register.get("employer", employer["credit_code"]) is None:
                    self.register.put("employer", employer["credit_code"], {"status": "open", **employer})
                    added += 1
        return added

    def employer(self, code: str) -> dict | None:
        return self.register.get("employer", code.strip().upper())

    def card(self, resident_id: str) -> dict | None:
        return self.register.get("card", resident_id)
