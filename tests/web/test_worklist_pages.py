"""A department's worklist in the browser, on the real suite: a market regulation officer approves a
company name with a restricted word from the worklist and the applicant's page shows who decided;
another officer's claim meanwhile is said plainly; a case returned for correction with a reason per
input shows those reasons on the applicant's page (in English); a citizen and another department's
officer are refused the case page."""
from __future__ import annotations

import pytest

from deploy.sample_forms import new_company_form
from lifeevents.officers import OfficerClient
from lifeevents.v1 import applications_pb2 as pb
from tests.support.applications import step_reaching
from tests.web.browser import sign_in_as_demo_person, sign_in_as_staff
from tests.web.conftest import screenshot

pytestmark = pytest.mark.web
WEB_OFFICER = "dev-officer-market_regulation"  # the development sign-in's staff id of the department's officer


@pytest.fixture
def restricted_case(applicant, running_suite, tokens):
    """case() -> (application id, case id): a startup whose name holds 国际 (the legal representative
    is the demo mother, 李秀英), waiting in market regulation's worklist."""
    reader = OfficerClient("market_regulation", tokens.officer("market_regulation", "mr-reader"),
                           running_suite.department_addresses["market_regulation"])

    def case() -> tuple[str, str]:
        form = new_company_form()
        form["company_name"] = form["company_name"].replace("青岛", "青岛国际", 1)
        application_id = applicant.submit(form, "startup")
        step_reaching(applicant.as_principal(application_id), application_id, "business_registration",
                      pb.Step.WITH_OFFICER)
        return application_id, reader.case_of(application_id, "business_registration").case_id

    yield case
    reader.close()


def test_an_officer_approves_a_case_from_the_worklist_and_the_applicants_page_shows_who_decided(
        new_page, restricted_case, accessible):
    application_id, case_id = restricted_case()
    officer = new_page()
    officer.goto("/sign-in")
    sign_in_as_staff(officer, "officer", "market_regulation")
    row = officer.locator(f'tr[data-case="{case_id}"]')
    assert row.get_attribute("data-application") == application_id
    assert "未认领" in row.locator("[data-claimed-by]").inner_text()
    accessible(officer, "worklist (zh)")
    screenshot(officer, "worklist-zh")
    row.get_by_role("link").click()
    assert officer.locator("[data-case-state]").get_attribute("data-case-state") == "OPEN"
    assert "限制使用的字词" in officer.locator("[data-review-reasons]").inner_text(), "why an officer decides"
    assert officer.locator("[data-inputs]").count() == 0, "nobody's data before the claim"
    accessible(officer, "worklist case before the claim (zh)")
    officer.locator("[data-claim]").click()
    assert "（您）" in officer.locator("[data-claimed-by]").inner_text()
    assert "国际" in officer.locator("[data-inputs]").inner_text(), "the inputs once claimed"
    accessible(officer, "worklist case claimed (zh)")
    screenshot(officer, "worklist-case-zh")
    officer.locator("[data-reject]").click()
    assert "请填写不予批准的理由" in officer.locator("[data-error-summary]").inner_text()
    accessible(officer, "worklist case: reject without a reason (zh)")
    officer.locator("[data-approve]").click()
    assert officer.locator("[data-decision]").get_attribute("data-decision") == "completed"
    assert officer.locator("[data-decided-by]").inner_text() == WEB_OFFICER
    accessible(officer, "worklist decision (zh)")
    screenshot(officer, "worklist-decided-zh")

    mother = new_page()
    mother.goto(f"/applications/{application_id}")
    sign_in_as_demo_person(mother)
    decided = mother.locator(f'[data-step="business_registration"] [data-decided-by="{WEB_OFFICER}"]')
    decided.wait_for()
    assert mother.locator('[data-step="business_registration"]').get_attribute("data-step-status") == "COMPLETED"
    screenshot(mother, "application-decided-by-officer-zh")


def test_a_case_returned_for_correction_shows_each_reason_on_the_applicants_page(
        new_page, restricted_case, running_suite, tokens, accessible):
    taken_id, taken_case = restricted_case()
    application_id, case_id = restricted_case()
    officer = new_page()
    officer.goto(f"/worklist/{taken_case}")
    sign_in_as_staff(officer, "officer", "market_regulation")
    officer.get_by_role("link", name="English").click()
    with OfficerClient("market_regulation", tokens.officer("market_regulation", "mr-0099"),
                       running_suite.department_addresses["market_regulation"]) as other:
        other.claim(taken_case)  # while the page still offers the claim
    officer.locator("[data-claim]").click()
    assert officer.locator("[data-error-page]").get_attribute("data-error-page") == "case_claimed"
    accessible(officer, "case claimed meanwhile (en)")
    officer.goto("/cases")
    assert "mr-0099" in officer.locator(f'tr[data-case="{taken_case}"] [data-claimed-by]').inner_text()

    officer.goto(f"/worklist/{case_id}")
    officer.locator("[data-claim]").click()
    officer.locator("[data-return]").click()
    assert "Say what to correct for at least one item" in officer.locator("[data-error-summary]").inner_text()
    accessible(officer, "worklist case: return without a reason (en)")
    officer.fill("#field-return-company_name", "Use of 国际 needs SAMR's approval first")
    officer.locator("[data-return]").click()
    assert officer.locator("[data-decision]").get_attribute("data-decision") == "returned"
    accessible(officer, "worklist returned (en)")

    mother = new_page()
    mother.goto(f"/applications/{application_id}")
    sign_in_as_demo_person(mother)
    mother.get_by_role("link", name="English").click()
    step = mother.locator('[data-step="business_registration"][data-step-status="RETURNED"]')
    step.wait_for()
    assert "Use of 国际 needs SAMR's approval first" in step.locator("[data-returned]").inner_text()
    accessible(mother, "application returned for correction (en)")
    screenshot(mother, "application-returned-en")

    citizen_refused = mother.goto(f"/worklist/{case_id}")
    assert citizen_refused.status == 403
    tax = new_page()
    tax.goto("/sign-in")
    sign_in_as_staff(tax, "officer", "tax")
    assert tax.goto(f"/worklist/{taken_case}").status == 404
    assert tax.locator(f'tr[data-case="{taken_case}"]').count() == 0
