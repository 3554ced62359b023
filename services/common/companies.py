"""Rules every department applies to a company it is asked to serve."""
from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from lifeevents.identifiers import InvalidIdentifier, parse_credit_code
from services.common.domain import Inputs, Refusal, Register


def credit_code(inputs: Inputs, name: str = "credit_code") -> str:
    try:
        return parse_credit_code(inputs.required(name))
    except InvalidIdentifier as err:
        raise Refusal(f"{name} is not a valid unified social credit code: {err}") from None


class EmployerAccounts:
    """The employer account a department opens for a new company and closes when it deregisters
    (social insurance, medical insurance, housing fund). Mixed into a Department."""

    employer_account: str = ""         # what the account is, in refusals
    employer_number_prefix: str = ""   # e.g. "SB" for social insurance
    opened_output: str = ""            # result name of the new account's number
    closed_output: str = "closed_employer_no"
    register: Register

    def register_employer(self, inputs: Inputs, today: dt.date) -> dict:
        code = credit_code(inputs)
        existing = self.register.get("employer", code)
        if existing is not None and existing["status"] == "open":
            raise Refusal(f"{code} already has {self.employer_account} account {existing['employer_no']}")
        number = f"{self.employer_number_prefix}{self.register.next_number('employer'):09d}"
        self.register.put("employer", code, {
            "employer_no": number, "credit_code": code, "name": inputs.required("company_name"),
            "status": "open", "registered_on": today.isoformat(), **self.new_employer_terms()})
        return {self.opened_output: number}

    def new_employer_terms(self) -> dict:
        return {}

    def close_employer(self, inputs: Inputs, today: dt.date) -> dict:
        code = credit_code(inputs)
        employer = self.register.get("employer", code)
        if employer is None or employer["status"] != "open":
            raise Refusal(f"{code} has no open {self.employer_account} account")
        if employer.get("arrears_yuan", 0) > 0:
            raise Refusal(f"{employer['arrears_yuan']} yuan of {self.employer_account} payments are in arrears")
        employer.update(status="closed", closed_on=today.isoformat())
        self.register.put("employer", code, employer)
        return {self.closed_output: employer["employer_no"]}

    def reopen_employer(self, inputs: Inputs, today: dt.date) -> dict:
        """Undo a closing (saga compensation): the account is open again, as it was."""
        code = credit_code(inputs)
        employer = self.register.get("employer", code)
        if employer is None or employer["status"] != "closed":
            raise Refusal(f"{code} has no closed {self.employer_account} account to reopen")
        employer.update(status="open", reopened_on=today.isoformat())
        employer.pop("closed_on", None)
        self.register.put("employer", code, employer)
        return {"reopened_employer_no": employer["employer_no"]}

    def load_employers(self, seed: Mapping[str, Any]) -> int:
        added = 0
        for employer in seed.get("employers", []):
            if self.register.get("employer", employer["credit_code"]) is None:
                self.register.put("employer", employer["credit_code"], {"status": "open", **employer})
                added += 1
        return added

    def employer(self, code: str) -> dict | None:
        return self.register.get("employer", code.strip().upper())
