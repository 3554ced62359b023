"""Medical insurance bureau: resident basic medical insurance enrolment of newborns."""
from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from services.common.companies import EmployerAccounts
from services.common.domain import Department, Inputs, Refusal

# A newborn enrolled within this many days of birth is covered from the day of birth
# (出生后3个月内参保缴费的，自出生之日起享受待遇); later, from the day of enrolment.
COVERED_FROM_BIRTH_WITHIN_DAYS = 90
# A retiree pays no further premiums once contributions reach these years (common municipal rule).
RETIREE_MINIMUM_YEARS = {"male": 25, "female": 20}
MAX_CONTRIBUTION_YEARS = 60


class MedicalInsurance(EmployerAccounts, Department):
    name = "medical_insurance"
    employer_account, employer_number_prefix = "medical insurance", "YB"
    opened_output = "medical_insurance_employer_no"
    actions = ("enrol_newborn", "register_employer", "close_employer", "reopen_employer", "grant_retiree_status")

    def grant_retiree_status(self, inputs: Inputs, today: dt.date) -> dict:
        person = inputs.resident_id("resident_id", today)
        retired_on = inputs.date("retirement_date")
        years = inputs.number("contribution_years", 0, MAX_CONTRIBUTION_YEARS)
        minimum = RETIREE_MINIMUM_YEARS[person.sex]
        if years < minimum:
            raise Refusal(f"{years:g} years of contributions; retiree status without premiums needs {minimum} "
                          f"for a {person.sex == 'male' and 'man' or 'woman'}")
        existing = self.register.get("retiree", person.number)
        if existing is not None:
            raise Refusal(f"{person.number} has held retiree status since {existing['since']}")
        self.register.put("retiree", person.number, {"resident_id": person.number, "since": retired_on.isoformat(),
                                                     "contribution_years": years})
        return {"retiree_since": retired_on.isoformat(), "premiums_due": "none"}

    def enrol_newborn(self, inputs: Inputs, today: dt.date) -> dict:
        child = inputs.resident_id("child_id", today)
        birth_date = inputs.date("birth_date")
        inputs.resident_id("guardian_id", today)
        if child.birth_date != birth_date:
            raise Refusal(f"child_id {child.number} says born {child.birth_date.isoformat()}, "
                          f"not {birth_date.isoformat()}")
        existing = self.register.get("enrolment", child.number)
        if existing is not None:
            raise Refusal(f"{child.number} is already insured as {existing['insured_no']}")
        covered_from = birth_date if (today - birth_date).days <= COVERED_FROM_BIRTH_WITHIN_DAYS else today
        insured_no = f"MI{child.area_code}{self.register.next_number('insured'):08d}"
        self.register.put("enrolment", child.number, {
            "insured_no": insured_no, "resident_id": child.number, "name": inputs.required("child_name"),
            "scheme": "城乡居民基本医疗保险", "coverage_start": covered_from.isoformat(),
            "guardian_id": inputs.required("guardian_id"), "enrolled_on": today.isoformat()})
        return {"insured_no": insured_no, "coverage_start": covered_from.isoformat()}

    def load_seed(self, seed: Mapping[str, Any]) -> int:
        with self.register.transaction():
            return self.load_employers(seed)

    def enrolment(self, resident_id: str) -> dict | None:
        return self.register.get("enrolment", resident_id)
