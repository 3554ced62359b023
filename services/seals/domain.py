"""Public security seal management (印章): the official seals of a new company, engraved free of
charge, and their cancellation when the company closes."""
from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from services.common.companies import credit_code
from services.common.domain import Department, Inputs, Refusal

# The standard set for a new company; engraving is paid by the government (首套印章免费刻制).
STANDARD_SET = ("公章", "财务专用章", "发票专用章", "法定代表人名章")


class Seals(Department):
    name = "seals"
    actions = ("engrave_seals", "cancel_seals")

    def engrave_seals(self, inputs: Inputs, today: dt.date) -> dict:
        code = credit_code(inputs)
        existing = self.register.get("seal_set", code)
        if existing is not None and existing["status"] == "active":
            raise Refusal(f"{code} already holds seal set {existing['set_no']}")
        set_no = f"Y{today:%Y}{self.register.next_number('seal_set'):07d}"
        seals = [{"kind": kind, "seal_no": f"{set_no}-{i}"} for i, kind in enumerate(STANDARD_SET, 1)]
        self.register.put("seal_set", code, {
            "set_no": set_no, "credit_code": code, "company_name": inputs.required("company_name"),
            "legal_rep_name": inputs.required("legal_rep_name"), "seals": seals, "fee_yuan": 0,
            "status": "active", "engraved_on": today.isoformat()})
        return {"seal_set_no": set_no, "seal_count": len(seals), "fee_yuan": 0}

    def cancel_seals(self, inputs: Inputs, today: dt.date) -> dict:
        code = credit_code(inputs)
        seal_set = self.register.get("seal_set", code)
        if seal_set is None or seal_set["status"] != "active":
            raise Refusal(f"{code} has no active seals to cancel")
        if seal_set["legal_rep_name"] != inputs.required("legal_rep_name"):
            raise Refusal("the seals are registered to another legal representative")
        seal_set.update(status="cancelled", cancelled_on=today.isoformat())
        self.register.put("seal_set", code, seal_set)
        return {"cancelled_seal_set_no": seal_set["set_no"]}

    def load_seed(self, seed: Mapping[str, Any]) -> int:
        added = 0
        with self.register.transaction():
            for seal_set in seed.get("seal_sets", []):
                if self.register.get("seal_set", seal_set["credit_code"]) is None:
                    seals = [{"kind": kind, "seal_no": f"{seal_set['set_no']}-{i}"} for i, kind in enumerate(STANDARD_SET, 1)]
                    self.register.put("seal_set", seal_set["credit_code"],
                                      {"status": "active", "fee_yuan": 0, "seals": seals, **seal_set})
                    added += 1
        return added

    def seal_set(self, code: str) -> dict | None:
        return self.register.get("seal_set", code.strip().upper())
