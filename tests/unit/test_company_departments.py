"""The departments a company deals with: market regulation, seals, tax, housing fund, and the
employer side of social and medical insurance."""
import datetime as dt

import pytest

from lifeevents.identifiers import parse_credit_code
from services.common.domain import InMemoryRegister
from services.common.seed import load_seed_file
from services.housing_fund.domain import HousingFund
from services.market_regulation.domain import MarketRegulation
from services.medical_insurance.domain import MedicalInsurance
from services.seals.domain import Seals
from services.social_security.domain import SocialSecurity
from services.tax.domain import Tax

TODAY = dt.date(2026, 11, 22)
COFFEE, OWES_TAX = "91370202900000014F", "91110105900000022A"
COMPANY = {"company_name": "青岛栈桥文化传媒有限公司", "company_type": "limited_company", "area_code": "370202",
           "registered_address": "山东省青岛市市南区太平路31号", "registered_capital": "300000",
           "legal_rep_id": "370202199205140022", "legal_rep_name": "李秀英"}


def seeded(cls):
    department = cls(InMemoryRegister(), today=lambda: TODAY)
    load_seed_file(department)
    return department


@pytest.fixture
def market():
    return seeded(MarketRegulation)


def test_registration_issues_valid_credit_codes_in_the_district(market):
    first = market.handle("c1", "register_business", COMPANY).outputs["credit_code"]
    second = market.handle("c2", "register_business", {**COMPANY, "company_name": "另一家有限公司"}).outputs["credit_code"]
    for code in (first, second):
        assert parse_credit_code(code) == code and code.startswith("91370202")
    assert first != second
    assert market.company(first)["legal_rep_name"] == "李秀英"


@pytest.mark.parametrize("change, reason", [
    ({"company_name": "青岛海岸咖啡有限公司"}, "already registered"),
    ({"legal_rep_id": "34052419800101001X"}, "barred"),
    ({"registered_capital": "0"}, "above zero"),
    ({"company_type": "guild"}, "company_type"),
])
def test_registration_refusals(market, change, reason):
    decision = market.handle("c", "register_business", {**COMPANY, **change})
    assert not decision.completed and reason in decision.reason


def test_a_name_is_free_again_in_another_district(market):
    assert market.handle("c", "register_business", {**COMPANY, "company_name": "青岛海岸咖啡有限公司",
                                                    "area_code": "370203"}).completed


def test_notice_then_cancellation(market):
    publish = {"credit_code": COFFEE, "company_name": "青岛海岸咖啡有限公司", "registered_address": "青岛"}
    assert "registered as" in market.handle("c0", "publish_deregistration_notice",
                                            {**publish, "company_name": "别的公司"}).reason
    notice = market.handle("c1", "publish_deregistration_notice", publish)
    assert notice.outputs["notice_ends_on"] == "2026-12-12"
    assert not market.handle("c2", "publish_deregistration_notice", publish).completed
    cancel = {"credit_code": COFFEE, "legal_rep_id": "370202199003070011", "reason": "business_ended"}
    wrong_person = market.handle("c3", "cancel_registration", {**cancel, "legal_rep_id": "370202199205140022"})
    assert "only the company's legal representative" in wrong_person.reason
    assert market.handle("c4", "cancel_registration", cancel).completed
    assert "cancelled" in market.handle("c5", "cancel_registration", cancel).reason
    assert market.lookup("company", COFFEE)["status"] == "cancelled"


def test_seals_are_engraved_free_once_and_cancelled_once():
    seals = seeded(Seals)
    new_company = "91370202000000019Q"
    inputs = {"credit_code": new_company, "company_name": "青岛栈桥文化传媒有限公司", "legal_rep_name": "李秀英"}
    engraved = seals.handle("c1", "engrave_seals", inputs)
    assert engraved.outputs["fee_yuan"] == "0" and engraved.outputs["seal_count"] == "4"
    assert "already holds" in seals.handle("c2", "engrave_seals", inputs).reason
    cancel = {"credit_code": COFFEE, "legal_rep_name": "王建国"}
    assert "another legal representative" in seals.handle("c3", "cancel_seals", {**cancel, "legal_rep_name": "张伟"}).reason
    assert seals.handle("c4", "cancel_seals", cancel).completed
    assert "no active seals" in seals.handle("c5", "cancel_seals", cancel).reason
    assert "not a valid unified social credit code" in seals.handle("c6", "cancel_seals", {**cancel, "credit_code": "X"}).reason


def test_tax_clearance_refuses_unpaid_tax_and_clears_a_clean_taxpayer():
    tax = seeded(Tax)
    refused = tax.handle("c1", "clear_tax", {"credit_code": OWES_TAX, "company_name": "北京朝阳恒信贸易有限公司"})
    assert not refused.completed and "18600 yuan of tax is unpaid" in refused.reason
    cleared = tax.handle("c2", "clear_tax", {"credit_code": COFFEE, "company_name": "青岛海岸咖啡有限公司"})
    assert cleared.completed and tax.taxpayer(COFFEE)["status"] == "cleared"


def test_tax_registration_gives_a_first_invoice_allocation():
    tax = seeded(Tax)
    inputs = {"credit_code": "91370202000000019Q", "company_name": "新公司", "legal_rep_id": "370202199205140022",
              "registered_address": "青岛"}
    assert tax.handle("c1", "register_taxpayer", inputs).outputs == {"taxpayer_no": "91370202000000019Q",
                                                                     "invoice_quota_yuan": "100000"}
    assert "already a registered taxpayer" in tax.handle("c2", "register_taxpayer", inputs).reason


@pytest.mark.parametrize("cls", [SocialSecurity, MedicalInsurance])
def test_insurance_employer_accounts_close_once(cls):
    department = seeded(cls)
    assert department.handle("c1", "close_employer", {"credit_code": COFFEE}).completed
    assert "no open" in department.handle("c2", "close_employer", {"credit_code": COFFEE}).reason


@pytest.mark.parametrize("cls, output", [(HousingFund, "housing_fund_account_no"),
                                         (SocialSecurity, "social_insurance_employer_no"),
                                         (MedicalInsurance, "medical_insurance_employer_no")])
def test_employer_registration_happens_once(cls, output):
    department = seeded(cls)
    inputs = {"credit_code": "91370202000000019Q", "company_name": "新公司"}
    assert output in department.handle("c1", "register_employer", inputs).outputs
    assert not department.handle("c2", "register_employer", inputs).completed


def test_an_employer_housing_fund_account_closes_once():
    fund = seeded(HousingFund)
    assert fund.handle("c1", "close_employer", {"credit_code": COFFEE}).outputs == {"closed_account_no": "GJJ800000001"}
    assert "no open housing fund account" in fund.handle("c2", "close_employer", {"credit_code": COFFEE}).reason
