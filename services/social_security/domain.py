"""Social security bureau: social security card applications (社会保障卡申领)."""
from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from lifeevents.identifiers import InvalidIdentifier, parse_resident_id
from services.common.companies import EmployerAccounts
from services.common.domain import Department, Inputs, Refusal, Register
from services.social_security.retirement import RetirementRules

# Who the retirement scan tells: people reaching the statutory age within this many days (or past it, unretired).
RETIREMENT_WINDOW = dt.timedelta(days=90)


class SocialSecurity(EmployerAccounts, Department):
    name = "social_security"
    employer_account, employer_number_prefix = "social insurance", "SB"
    opened_output = "social_insurance_employer_no"
    actions = ("apply_card", "register_employer", "close_employer", "reopen_employer", "approve_retirement", "start_pension")
    lookups = {"contribution_record": "contribution_record"}
    # A gap in the contribution record goes to an officer (does a period count, was it made up?).
    escalations = {"approve_retirement": "contribution_gaps"}

    def __init__(self, register: Register, today=dt.date.today, rules: RetirementRules | None = None):
        super().__init__(register, today)
        self.rules = rules

    def approve_retirement(self, inputs: Inputs, today: dt.date) -> dict:
        """Retirement approval: the statutory age from birth date and sex, the pension from the record."""
        person = inputs.resident_id("resident_id", today)
        birth_date, sex = inputs.date("birth_date"), inputs.required("sex")
        if birth_date != person.birth_date or sex != person.sex:
            raise Refusal("birth date and sex disagree with the resident ID")
        record = self.register.get("contribution_record", person.number)
        if record is None:
            raise Refusal(f"no contribution record for {person.number}")
        if record.get("retired_on"):
            raise Refusal(f"{person.number} retired on {record['retired_on']} and already draws a pension")
        category = self.rules.category_of(sex, inputs.optional("post_type"))
        retires_on, delay = self.rules.retirement_date(birth_date, category)
        if retires_on > today:
            raise Refusal(f"below the statutory retirement age: {category} born {birth_date.isoformat()} "
                          f"retires on {retires_on.isoformat()} (reform delay {delay} months)")
        years = record["contribution_months"] / 12
        minimum = self.rules.minimum_contribution_years(retires_on.year)
        if years < minimum:
            raise Refusal(f"{years:.1f} years of contributions; a monthly pension needs {minimum:g}")
        age = (retires_on.year - birth_date.year) - ((retires_on.month, retires_on.day) < (birth_date.month, birth_date.day))
        pension = self.rules.monthly_pension(years, record["average_index"], record["account_balance_yuan"], age)
        approval_no = f"TX{today:%Y}{self.register.next_number('retirement'):07d}"
        record.update(retired_on=retires_on.isoformat(), approval_no=approval_no, monthly_pension_yuan=pension,
                      category=category)
        self.register.put("contribution_record", person.number, record)
        return {"pension_approval_no": approval_no, "retirement_date": retires_on.isoformat(),
                "monthly_pension_yuan": f"{pension:.2f}", "contribution_years": f"{years:.1f}"}

    def contribution_gaps(self, inputs: Inputs, today: dt.date) -> list[str]:
        """Why an officer must look at a retirement: each gap the contribution record shows."""
        record = self.register.get("contribution_record", inputs.resident_id("resident_id", today).number) or {}
        return [f"a gap in the contribution record from {gap['from']} to {gap['to']} (缴费记录中断)"
                for gap in record.get("gaps") or ()]

    def start_pension(self, inputs: Inputs, today: dt.date) -> dict:
        person = inputs.resident_id("resident_id", today)
        record = self.register.get("contribution_record", person.number) or {}
        if record.get("approval_no") != inputs.required("pension_approval_no"):
            raise Refusal("no such retirement approval for this person")
        if record.get("paying_from"):
            raise Refusal(f"the pension is already paid since {record['paying_from']}")
        first = dt.date(today.year + (today.month == 12), today.month % 12 + 1, 1)
        record.update(paying_from=first.isoformat(), bank_account=inputs.required("bank_account"))
        self.register.put("contribution_record", person.number, record)
        return {"first_payment_month": first.strftime("%Y-%m"), "monthly_pension_yuan": f"{record['monthly_pension_yuan']:.2f}"}

    def scan_retirements(self, today: dt.date | None = None, window: dt.timedelta = RETIREMENT_WINDOW) -> dict:
        """For each person in its records who has not retired and reaches the statutory age by the end of
        the window (or has reached it), the event retirement_age_approaching, recorded in the outbox in
        one transaction, once per person and retirement date: scanning again (the next day, another
        instance) records nothing new. `today` is the department's clock unless given."""
        today = today or self.today()
        until, now = today + window, dt.datetime.now(dt.timezone.utc)
        published = already = 0
        with self.register.transaction():
            for record in self.register.all("contribution_record"):
                try:
                    person = parse_resident_id(record["resident_id"])
                except (InvalidIdentifier, KeyError):
                    continue
                if record.get("retired_on"):
                    continue
                post_type = record.get("post_type", "") if person.sex == "female" else ""
                category = self.rules.category_of(person.sex, post_type)
                retires_on, _ = self.rules.retirement_date(person.birth_date, category)
                if retires_on > until:
                    continue
                _, new = self.outbox.record("retirement_age_approaching", f"{person.number}/{retires_on.isoformat()}", {
                    "resident_id": person.number, "retirement_date": retires_on.isoformat(), "category": category,
                    "post_type": post_type}, now)
                published, already = published + new, already + (not new)
        return {"as_of": today.isoformat(), "until": until.isoformat(), "published": published, "already": already}

    def scan_retirements_daily(self) -> dict | None:
        """The scan, unless one ran today already (by the department's clock); its figures, or None."""
        today = self.today()
        with self.register.transaction():
            if self.register.get("retirement_scan", today.isoformat()) is not None:
                return None
            scanned = self.scan_retirements(today)
            self.register.put("retirement_scan", today.isoformat(), scanned)
        return scanned

    def contribution_record(self, resident_id: str) -> dict | None:
        record = self.register.get("contribution_record", resident_id)
        if record is None:
            return None
        return {**record, "contribution_years": f"{record['contribution_months'] / 12:.1f}"}

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

    def load_seed(self, seed: Mapping[str, Any]) -> int:
        added = 0
        with self.register.transaction():
            added += self.load_employers(seed)
            for record in seed.get("contribution_records", []):
                if self.register.get("contribution_record", record["resident_id"]) is None:
                    self.register.put("contribution_record", record["resident_id"], record)
                    added += 1
        return added

    def card(self, resident_id: str) -> dict | None:
        return self.register.get("card", resident_id)
