"""Steps of the retirement features: a form of two fields, the rest looked up."""
from __future__ import annotations

from pytest_bdd import given, parsers, then

from tests.support.applications import step


@given(parsers.parse("a retirement form for {resident_id} with bank account {account}"), target_fixture="form")
def retirement_form(resident_id, account):
    return {"resident_id": resident_id, "bank_account": account}


@then("her birth date, sex and contribution years were looked up, not asked")
def looked_up_not_asked(application, form):
    assert set(form) == {"resident_id", "bank_account"}
    assert set(application.looked_up) == {"birth_date", "sex", "contribution_years"}


@then(parsers.parse("step {step_id} set the retirement date {date} and a monthly pension"))
def retirement_date_and_pension(application, step_id, date):
    result = step(application, step_id).result
    assert result["retirement_date"] == date and float(result["monthly_pension_yuan"]) > 1000
