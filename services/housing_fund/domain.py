"""Housing provident fund centre (住房公积金): employer deposit accounts, their closing, and the
withdrawal and closing of a retiree's personal account."""
from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from services.common.companies import EmployerAccounts
from services.common.domain import Department, Inputs, Refusal

# Employer and employee each deposit between 5% and 12% of the wage.
DEFAULT_DEPOSIT_RATE = 0.12


class HousingFund(EmployerAccounts, Department):
    name = "housing_fund"
    employer_account, employer_number_prefix = "housing fund", "GJJ"
    opened_output, closed_output = "housing_fund_account_no", "closed_account_no"
    actions = ("register_employer", "close_employer", "reopen_employer", "withdraw_and_close")

    def new_employer_terms(self) -> dict:
        return {"deposit_rate": DEFAULT_DEPOSIT_RATE}

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

    def load_seed(self, seed: Mapping[str, Any]) -> int:
        added = 0
        with self.register.transaction():
            added += self.load_employers(seed)
            for account in seed.get("personal_accounts", []):
                if self.register.get("personal", account["resident_id"]) is None:
                    self.register.put("personal", account["resident_id"], {"status": "open", **account})
                    added += 1
        return added
