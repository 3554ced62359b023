"""Housing provident fund centre (住房公积金): employer deposit accounts, their closing, and the
withdrawal and closing of a retiree's personal account."""
from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from services.common.companies import credit_code
from services.common.domain import Department, Inputs, Refusal

# Employer and employee each deposit between 5% and 12% of the wage.
DEFAULT_DEPOSIT_RATE = 0.12


class HousingFund(Department):
    name = "housing_fund"
    actions = ("register_employer", "close_employer", "withdraw_and_close")

    def withdraw_and_close(self, inputs: Inputs, today: dt.date) -> dict:
        """On retirement, the whole personal balance is paid out and the account closed."""
        person = inputs.resident_id("resident_id", today)
        retired_on = inputs.date("retirement_date")
        if retired_on > today:
            raise Refusal(f"withdrawal on retirement is possible from {retired_on.isoformat()}")
        account = self.register.get("personal", person.number)
        if account is None or account["status"] != "open":
            raise Refusal(f"{person.number} has no open housing fund account")
        paid = account["balance_yuan"]
        account.update(status="closed", balance_yuan=0, closed_on=today.isoformat(),
                       paid_to=inputs.required("bank_account"), paid_yuan=paid)
        self.register.put("personal", person.number, account)
        return {"withdrawn_yuan": f"{paid:.2f}", "closed_account_no": account["account_no"]}

    def register_employer(self, inputs: Inputs, today: dt.date) -> dict:
        code = credit_code(inputs)
        existing = self.register.get("employer", code)
        if existing is not None and existing["status"] == "open":
            raise Refusal(f"{code} already has housing fund account {existing['account_no']}")
        account_no = f"GJJ{self.register.next_number('employer'):09d}"
        self.register.put("employer", code, {
            "account_no": account_no, "credit_code": code, "name": inputs.required("company_name"),
            "deposit_rate": DEFAULT_DEPOSIT_RATE, "status": "open", "opened_on": today.isoformat()})
        return {"housing_fund_account_no": account_no}

    def close_employer(self, inputs: Inputs, today: dt.date) -> dict:
        code = credit_code(inputs)
        employer = self.register.get("employer", code)
        if employer is None or employer["status"] != "open":
            raise Refusal(f"{code} has no open housing fund account")
        if employer.get("arrears_yuan", 0) > 0:
            raise Refusal(f"{employer['arrears_yuan']} yuan of deposits are in arrears")
        employer.update(status="closed", closed_on=today.isoformat())
        self.register.put("employer", code, employer)
        return {"closed_account_no": employer["account_no"]}

    def load_seed(self, seed: Mapping[str, Any]) -> int:
        added = 0
        with self.register.transaction():
            for employer in seed.get("employers", []):
                if self.register.get("employer", employer["credit_code"]) is None:
                    self.register.put("employer", employer["credit_code"], {"status": "open", **employer})
                    added += 1
            for account in seed.get("personal_accounts", []):
                if self.register.get("personal", account["resident_id"]) is None:
                    self.register.put("personal", account["resident_id"], {"status": "open", **account})
                    added += 1
        return added

    def employer(self, code: str) -> dict | None:
        return self.register.get("employer", code.strip().upper())
