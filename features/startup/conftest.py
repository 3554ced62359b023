"""Steps of the business startup features: the credit code registration issues, and what it feeds."""
from __future__ import annotations

from pytest_bdd import parsers, then

from lifeevents.identifiers import parse_credit_code
from tests.support.applications import step


@then(parsers.parse("step {step_id} issued a valid unified social credit code"), target_fixture="credit_code")
def issued_credit_code(application, step_id):
    code = step(application, step_id).result["credit_code"]
    assert parse_credit_code(code) == code
    return code


@then("every other step received that code and started after it")
def fed_by_the_code(application, credit_code):
    registration = step(application, "business_registration")
    for other in (s for s in application.steps if s.id != registration.id):
        assert other.depends_on == [registration.id]
        assert other.dispatched_at.ToDatetime() >= registration.settled_at.ToDatetime()
    assert step(application, "tax_registration").result["taxpayer_no"] == credit_code


@then("the seals were engraved free of charge")
def seals_free(application):
    seals = step(application, "seals")
    assert seals.result["fee_yuan"] == "0" and int(seals.result["seal_count"]) == 4
