"""Retirement age and pension from the rules file, and the retirement actions of three departments."""
import datetime as dt

import pytest

from services.common.domain import InMemoryRegister
from services.common.seed import load_seed_file
from services.housing_fund.domain import HousingFund
from services.medical_insurance.domain import MedicalInsurance
from services.social_security.domain import SocialSecurity
from services.social_security.retirement import RetirementRules

RULES = RetirementRules.from_file()
TODAY = dt.date(2026, 11, 22)


@pytest.mark.parametrize("born, category, retires, delay", [
    (dt.date(1964, 12, 1), "male", dt.date(2024, 12, 1), 0),            # before the reform
    (dt.date(1965, 1, 10), "male", dt.date(2025, 2, 10), 1),            # first month of the reform
    (dt.date(1965, 5, 10), "male", dt.date(2025, 7, 10), 2),            # one month more every four
    (dt.date(1980, 1, 1), "male", dt.date(2043, 1, 1), 36),             # capped at 63
    (dt.date(1975, 3, 1), "female_production", dt.date(2025, 5, 1), 2), # one month more every two
    (dt.date(1990, 1, 1), "female_production", dt.date(2045, 1, 1), 60),  # capped at 55
    (dt.date(1971, 2, 10), "female_managerial", dt.date(2026, 6, 10), 4),
])
def test_statutory_retirement_dates(born, category, retires, delay):
    assert RULES.retirement_date(born, category) == (retires, delay)


def test_minimum_years_rise_from_2030_and_the_pension_formula():
    assert [RULES.minimum_contribution_years(y) for y in (2026, 2030, 2035, 2045)] == [15, 15.5, 18, 20]
    # 8400 x (1 + 1.2) / 2 x 34 x 1% + 186000 / 139
    assert RULES.monthly_pension(34, 1.2, 186000, 60) == pytest.approx(3141.6 + 186000 / 139, abs=0.01)


def seeded(cls, **kwargs):
    department = cls(InMemoryRegister(), today=lambda: TODAY, **kwargs)
    assert load_seed_file(department) > 0
    return department


def test_approval_then_pension_start():
    social = seeded(SocialSecurity, rules=RULES)
    approval = social.handle("c1", "approve_retirement", {"resident_id": "370202196603150134",
                                                          "birth_date": "1966-03-15", "sex": "male"})
    assert approval.outputs["retirement_date"] == "2026-07-15" and approval.outputs["monthly_pension_yuan"] == "4479.73"
    started = social.handle("c2", "start_pension", {"resident_id": "370202196603150134", "bank_account": "6228",
                                                    "pension_approval_no": approval.outputs["pension_approval_no"]})
    assert started.outputs["first_payment_month"] == "2026-12"
    again = social.handle("c3", "approve_retirement", {"resident_id": "370202196603150134",
                                                       "birth_date": "1966-03-15", "sex": "male"})
    assert "already draws a pension" in again.reason


def test_approval_refuses_a_birth_date_that_disagrees_with_the_id():
    social = seeded(SocialSecurity, rules=RULES)
    decision = social.handle("c", "approve_retirement", {"resident_id": "370202196603150134",
                                                         "birth_date": "1966-03-16", "sex": "male"})
    assert "disagree" in decision.reason


def test_retiree_medical_status_needs_enough_years():
    insurance = seeded(MedicalInsurance)
    inputs = {"resident_id": "630102196506010576", "retirement_date": "2025-08-01", "contribution_years": "12.0"}
    assert "needs 25 for a man" in insurance.handle("c1", "grant_retiree_status", inputs).reason
    assert insurance.handle("c2", "grant_retiree_status", {**inputs, "contribution_years": "30"}).completed


def test_housing_fund_pays_out_and_closes_on_retirement():
    fund = seeded(HousingFund)
    inputs = {"resident_id": "110105197102100462", "retirement_date": "2026-06-10", "bank_account": "6228"}
    assert fund.handle("c1", "withdraw_and_close", {**inputs, "retirement_date": "2027-01-01"}).completed is False
    assert fund.handle("c2", "withdraw_and_close", inputs).outputs == {"withdrawn_yuan": "54200.00",
                                                                       "closed_account_no": "GR300000103"}
    assert "no open housing fund account" in fund.handle("c3", "withdraw_and_close", inputs).reason
