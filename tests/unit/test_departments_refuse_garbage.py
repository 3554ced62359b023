"""A department refuses what the coordinator's door refuses, in a command from anyone who can
publish to its queue: identifiers in other scripts' digits (they would slip past the deny-lists),
control and format characters, numbers that are not ASCII decimals within range."""
import datetime as dt

import pytest

from services.civil_registration.domain import CivilRegistration
from services.common.domain import InMemoryRegister
from services.common.seed import load_seed_file
from services.health.domain import Health
from services.market_regulation.domain import MarketRegulation
from services.medical_insurance.domain import MedicalInsurance
from services.tax.domain import Tax

TODAY = dt.date(2026, 11, 22)
BARRED, TAX_DEBTOR = "34052419800101001X", "11010519881102011X"


def full_width(text: str) -> str:
    """Digits as full-width digits (the check character X stays ASCII, as the issue's example had it)."""
    return "".join(chr(ord(c) - ord("0") + 0xFF10) if c.isdigit() else c for c in text)


def devanagari(text: str) -> str:
    return "".join(chr(ord(c) - ord("0") + 0x0966) if c.isdigit() else c for c in text)


def seeded(cls):
    department = cls(InMemoryRegister(), today=lambda: TODAY)
    load_seed_file(department)
    return department


COMPANY = {"company_name": "青岛栈桥文化传媒有限公司", "company_type": "limited_company", "area_code": "370202",
           "registered_address": "山东省青岛市市南区太平路31号", "registered_capital": "300000",
           "legal_rep_id": "370202199205140022", "legal_rep_name": "李秀英"}


@pytest.mark.parametrize("script", [full_width, devanagari])
def test_a_barred_legal_representative_in_other_digits_gets_no_company(script):
    market = seeded(MarketRegulation)
    decision = market.handle("c1", "register_business", {**COMPANY, "legal_rep_id": script(BARRED)})
    assert not decision.completed and "not a valid resident ID" in decision.reason
    assert market.register.all("company") == [c for c in market.register.all("company") if c["name"] != COMPANY["company_name"]]


@pytest.mark.parametrize("script", [full_width, devanagari])
def test_a_tax_debtor_in_other_digits_gets_no_tax_registration(script):
    tax = seeded(Tax)
    decision = tax.handle("c1", "register_taxpayer", {"credit_code": "91370202MA3CLKEG7A", "company_name": "某公司",
                                                      "legal_rep_id": script(TAX_DEBTOR),
                                                      "registered_address": "青岛"})
    assert not decision.completed and "not a valid resident ID" in decision.reason


@pytest.mark.parametrize("capital", ["9" * 4300, "１００００", "1_000", "0", "100000000001"])
def test_a_registered_capital_out_of_range_or_not_ascii_is_refused(capital):
    decision = seeded(MarketRegulation).handle("c1", "register_business", {**COMPANY, "registered_capital": capital})
    assert not decision.completed and "registered_capital" in decision.reason


@pytest.mark.parametrize("years", ["inf", "nan", "-1", "61", "３０", "1e1"])
def test_contribution_years_that_are_not_an_ascii_number_in_range_are_refused(years):
    insurance = MedicalInsurance(InMemoryRegister(), today=lambda: TODAY)
    decision = insurance.handle("c1", "grant_retiree_status", {"resident_id": "630102196506010576",
                                                               "retirement_date": "2025-08-01",
                                                               "contribution_years": years})
    assert not decision.completed and "contribution_years" in decision.reason


@pytest.mark.parametrize("name", ["王\u202e小禾", "王\u200b小禾", "王\x07小禾"])
def test_control_and_format_characters_in_a_name_are_refused(name):
    decision = Health(InMemoryRegister(), today=lambda: TODAY).handle("c1", "issue_birth_certificate", {
        "mother_id": "370202199205140022", "mother_name": "李秀英", "child_name": name, "child_sex": "female",
        "birth_date": "2026-11-18", "birth_hospital": "青岛市妇女儿童医院"})
    assert not decision.completed and "control or format character" in decision.reason


def test_a_lookup_with_a_key_in_other_digits_finds_nothing():
    civil = seeded(CivilRegistration)
    assert civil.lookup("person", "370202199205140022") is not None
    assert civil.lookup("person", full_width("370202199205140022")) is None
