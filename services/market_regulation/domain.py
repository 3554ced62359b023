"""Market regulation (市场监管): business registration with a unified social credit code, public
notices of simplified deregistration, and cancellation of registrations (restored when a revoked
deregistration is undone). It verifies an investors' commitment that a company has no debts against
the claims creditors registered, and keeps the commitments found false (告知承诺): a company with
one may not use simplified deregistration again."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Mapping

from lifeevents.identifiers import make_credit_code, parse_credit_code
from services.common.companies import credit_code as credit_code_of
from services.common.domain import Department, Inputs, Refusal

COMPANY_TYPES = {"limited_company": "有限责任公司", "sole_proprietorship": "个人独资企业", "partnership": "合伙企业"}
# GB 32100 registration-management codes: 9 = market regulation; category 1 = enterprise.
_CATEGORY = {"limited_company": "91", "sole_proprietorship": "91", "partnership": "91"}
NOTICE_DAYS = 20
# The largest registered capital a registration through the bundle takes (yuan): 1000亿.
MAX_REGISTERED_CAPITAL = 100_000_000_000
DEREGISTRATION_REASONS = ("business_ended", "shareholders_resolution", "merger_or_division", "licence_revoked")


def _organisation_code(sequence: int) -> str:
    """Nine characters from the credit-code alphabet; the ninth is the GB 11714 check character."""
    digits = [int(c) for c in f"{sequence:08d}"]
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    check = 11 - sum(d * w for d, w in zip(digits, weights)) % 11
    return f"{sequence:08d}" + ("X" if check == 10 else "0" if check == 11 else str(check))


class MarketRegulation(Department):
    name = "market_regulation"
    actions = ("register_business", "publish_deregistration_notice", "cancel_registration", "withdraw_registration",
               "restore_registration", "verify_no_debts", "record_broken_commitment")
    lookups = {"company": "company"}

    def register_business(self, inputs: Inputs, today: dt.date) -> dict:
        name = inputs.required("company_name")
        company_type = inputs.required("company_type")
        legal_rep = inputs.resident_id("legal_rep_id", today)
        address = inputs.required("registered_address")
        area_code = inputs.required("area_code")
        capital = inputs.required("registered_capital")
        if company_type not in COMPANY_TYPES:
            raise Refusal(f"company_type must be one of {', '.join(COMPANY_TYPES)}")
        if not re.fullmatch(r"[0-9]{6}", area_code, re.ASCII):
            raise Refusal("area_code is a 6-digit administrative division code")
        if not re.fullmatch(r"[0-9]{1,13}", capital, re.ASCII) or not 0 < int(capital) <= MAX_REGISTERED_CAPITAL:
            raise Refusal(f"registered_capital is a whole number of yuan above zero, at most {MAX_REGISTERED_CAPITAL}")
        if (today - legal_rep.birth_date).days < 18 * 365.25:
            raise Refusal("the legal representative must be at least 18")
        if self.register.get("disqualified", legal_rep.number):
            raise Refusal("the legal representative is barred from that office (失信被执行人) until "
                          f"{self.register.get('disqualified', legal_rep.number)['until']}")
        if any(c["status"] == "active" for c in self.register.find("company", name=name, area_code=area_code)):
            raise Refusal(f"the name {name} is already registered in {area_code}")
        organisation = _organisation_code(self.register.next_number("organisation"))
        credit_code = make_credit_code(_CATEGORY[company_type] + area_code + organisation)
        self.register.put("company", credit_code, {
            "credit_code": credit_code, "name": name, "company_type": company_type, "area_code": area_code,
            "legal_rep_id": legal_rep.number, "legal_rep_name": inputs.required("legal_rep_name"),
            "registered_address": address, "registered_capital": capital,
            "business_scope": inputs.optional("business_scope"), "status": "active",
            "registered_on": today.isoformat()})
        licence_no = f"{area_code}{self.register.next_number('licence'):09d}"
        return {"credit_code": credit_code, "licence_no": licence_no}

    def publish_deregistration_notice(self, inputs: Inputs, today: dt.date) -> dict:
        company = self.check_active_company(inputs.required("credit_code"))
        if broken := self.register.get("broken_commitment", company["credit_code"]):
            raise Refusal(f"{company['credit_code']} broke its commitment {broken['commitment']} on "
                          f"{broken['recorded_on']} ({broken['finding']}): simplified deregistration is not open "
                          f"to it; apply for ordinary deregistration")
        if company["name"] != inputs.required("company_name"):
            raise Refusal(f"{company['credit_code']} is registered as {company['name']}")
        if self.register.get("notice", company["credit_code"]):
            raise Refusal(f"a deregistration notice for {company['credit_code']} is already published")
        ends = today + dt.timedelta(days=NOTICE_DAYS)
        notice_no = f"N{today:%Y}{self.register.next_number('notice'):06d}"
        self.register.put("notice", company["credit_code"], {
            "notice_no": notice_no, "credit_code": company["credit_code"], "published_on": today.isoformat(),
            "company_name": company["name"], "registered_address": inputs.required("registered_address"),
            "ends_on": ends.isoformat()})
        return {"notice_no": notice_no, "notice_ends_on": ends.isoformat()}

    def cancel_registration(self, inputs: Inputs, today: dt.date) -> dict:
        company = self.check_active_company(inputs.required("credit_code"))
        applicant = inputs.resident_id("legal_rep_id", today).number
        if applicant != company["legal_rep_id"]:
            raise Refusal("only the company's legal representative may apply to cancel its registration")
        reason = inputs.required("reason")
        if reason not in DEREGISTRATION_REASONS:
            raise Refusal(f"reason must be one of {', '.join(DEREGISTRATION_REASONS)}")
        company.update(cancellation_reason=reason)
        company.update(status="cancelled", cancelled_on=today.isoformat())
        self.register.put("company", company["credit_code"], company)
        return {"cancellation_no": f"C{today:%Y}{self.register.next_number('cancellation'):06d}"}

    def withdraw_registration(self, inputs: Inputs, today: dt.date) -> dict:
        """Undo a registration whose bundle failed (saga compensation): the company never opened."""
        company = self.check_active_company(inputs.required("credit_code"))
        if inputs.resident_id("legal_rep_id", today).number != company["legal_rep_id"]:
            raise Refusal("only the company's legal representative may withdraw its registration")
        company.update(status="withdrawn", withdrawn_on=today.isoformat())
        self.register.put("company", company["credit_code"], company)
        return {"withdrawn_credit_code": company["credit_code"]}

    def restore_registration(self, inputs: Inputs, today: dt.date) -> dict:
        """Undo a cancellation whose deregistration was revoked (saga compensation): the company is active again."""
        code = credit_code_of(inputs)
        company = self.register.get("company", code)
        if company is None or company["status"] != "cancelled":
            raise Refusal(f"company {code} is not cancelled")
        if inputs.resident_id("legal_rep_id", today).number != company["legal_rep_id"]:
            raise Refusal("only the company's legal representative's cancellation may be undone")
        company.update(status="active", restored_on=today.isoformat())
        self.register.put("company", code, company)
        return {"restored_credit_code": code}

    def verify_no_debts(self, inputs: Inputs, today: dt.date) -> dict:
        """Whether the commitment that the company has no debts holds: no claim registered against it."""
        code = credit_code_of(inputs)
        if self.register.get("company", code) is None:
            raise Refusal(f"no company {code} in the market register")
        claims = self.register.find("debt", credit_code=code)
        if not claims:
            return {"commitment_holds": "true", "finding": "no claim of a creditor is registered"}
        total = sum(int(c["amount_yuan"]) for c in claims)
        return {"commitment_holds": "false",
                "finding": f"{len(claims)} unpaid claim(s) of creditors registered, {total} yuan in all"}

    def record_broken_commitment(self, inputs: Inputs, today: dt.date) -> dict:
        """Keep a commitment found false against the company (the coordinator sends it on CommitmentBroken)."""
        code = credit_code_of(inputs)
        number = f"BC{today:%Y}{self.register.next_number('broken_commitment'):06d}"
        self.register.put("broken_commitment", code, {
            "record_no": number, "credit_code": code, "commitment": inputs.required("commitment"),
            "finding": inputs.required("finding")[:500], "recorded_on": today.isoformat()})
        return {"record_no": number}

    def check_active_company(self, credit_code: str) -> dict:
        try:
            code = parse_credit_code(credit_code)
        except ValueError as err:
            raise Refusal(f"credit_code: {err}") from None
        company = self.register.get("company", code)
        if company is None:
            raise Refusal(f"no company {code} in the market register")
        if company["status"] != "active":
            raise Refusal(f"company {code} is {company['status']}")
        return company

    # -- reference data and lookups ---------------------------------------------------
    def load_seed(self, seed: Mapping[str, Any]) -> int:
        added = 0
        with self.register.transaction():
            for company in seed.get("companies", []):
                code = parse_credit_code(company["credit_code"])
                if self.register.get("company", code) is None:
                    self.register.put("company", code, {"status": "active", **company, "credit_code": code})
                    added += 1
            for person in seed.get("disqualified", []):
                self.register.put("disqualified", person["resident_id"], person)
            for claim in seed.get("debts", []):
                code = parse_credit_code(claim["credit_code"])
                self.register.put("debt", f"{code}:{claim['creditor']}", {**claim, "credit_code": code})
        return added

    def company(self, credit_code: str) -> dict | None:
        return self.register.get("company", credit_code.strip().upper())

