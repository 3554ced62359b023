"""Social security bureau: social security card applications (社会保障卡申领)."""
from __future__ import annotations

import datetime as dt

from services.common.domain import Department, Inputs, Refusal


class SocialSecurity(Department):
    name = "social_security"
    actions = ("apply_card",)

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

    def card(self, resident_id: str) -> dict | None:
        return self.register.get("card", resident_id)
