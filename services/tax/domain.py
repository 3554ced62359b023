"""Tax bureau: taxpayer registration with a first invoice allocation, and tax clearance (清税)."""
from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from services.common.companies import credit_code
from services.common.domain import Department, Inputs, Refusal

# First allocation for a new small taxpayer: fully digitalised e-invoices up to this monthly total.
FIRST_INVOICE_QUOTA_YUAN = 100_000


class Tax(Department):
    name = "tax"
    actions = ("register_taxpayer", "clear_tax")

    def register_taxpayer(self, inputs: Inputs, today: dt.date) -> dict:
        code = credit_code(inputs)
        legal_rep = inputs.resident_id("legal_rep_id", today).number
        defaulting = [t for t in self.register.find("taxpayer", legal_rep_id=legal_rep, status="active")
                      if t.get("unpaid_tax_yuan", 0) > 0]
        if defaulting:
            # The legal representative of a taxpayer in arrears may not open another (非正常户关联限制).
            raise Refusal(f"the legal representative also represents {defaulting[0]['name']}, which owes "
                          f"{defaulting[0]['unpaid_tax_yuan']} yuan of tax")
        existing = self.register.get("taxpayer", code)
        if existing is not None and existing["status"] == "active":
            raise Refusal(f"{code} is already a registered taxpayer")
        self.register.put("taxpayer", code, {
            "taxpayer_no": code, "credit_code": code, "name": inputs.required("company_name"),
            "legal_rep_id": inputs.required("legal_rep_id"), "address": inputs.required("registered_address"),
            "status": "active", "unpaid_tax_yuan": 0, "invoices_outstanding": 0,
            "invoice_quota_yuan": FIRST_INVOICE_QUOTA_YUAN, "registered_on": today.isoformat()})
        return {"taxpayer_no": code, "invoice_quota_yuan": FIRST_INVOICE_QUOTA_YUAN}

    def clear_tax(self, inputs: Inputs, today: dt.date) -> dict:
        code = credit_code(inputs)
        taxpayer = self.register.get("taxpayer", code)
        if taxpayer is None or taxpayer["status"] != "active":
            raise Refusal(f"{code} is not an active taxpayer")
        if taxpayer["name"] != inputs.required("company_name"):
            raise Refusal(f"taxpayer {code} is {taxpayer['name']}, not {inputs.required('company_name')}")
        if taxpayer["unpaid_tax_yuan"] > 0:
            raise Refusal(f"{taxpayer['unpaid_tax_yuan']} yuan of tax is unpaid")
        if taxpayer["invoices_outstanding"] > 0:
            raise Refusal(f"{taxpayer['invoices_outstanding']} invoice(s) are neither used nor returned")
        certificate = f"QS{today:%Y}{self.register.next_number('clearance'):07d}"
        taxpayer.update(status="cleared", cleared_on=today.isoformat(), clearance_no=certificate)
        self.register.put("taxpayer", code, taxpayer)
        return {"tax_clearance_no": certificate}

    def load_seed(self, seed: Mapping[str, Any]) -> int:
        added = 0
        with self.register.transaction():
            for taxpayer in seed.get("taxpayers", []):
                if self.register.get("taxpayer", taxpayer["credit_code"]) is None:
                    self.register.put("taxpayer", taxpayer["credit_code"], {
                        "taxpayer_no": taxpayer["credit_code"], "status": "active", "unpaid_tax_yuan": 0,
                        "invoices_outstanding": 0, **taxpayer})
                    added += 1
        return added

    def taxpayer(self, code: str) -> dict | None:
        return self.register.get("taxpayer", code.strip().upper())
