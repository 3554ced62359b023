"""The practices (issue 13) in the browser, on the real suite: the front desk returns a deregistration
with a reason for one field, the applicant sees the reason on her page, corrects just that field and
the front desk accepts it; a startup whose premises proof was left out (容缺) shows the promised
material and its deadline and takes it through the Supplement form; the simplified deregistration's
form asks its commitment (告知承诺) with a checkbox, an unticked one an error at it, in English; an
officer of market regulation finds it false and the applicant's page says REVOKED with the finding;
an applicant withdraws an application with a reason and a confirmation, then rates it once, badly: an
operator closes the follow-up with the rectification, and the statistics chart the ratings.
A citizen and a department's officer are refused the front desk's pages."""
from __future__ import annotations

import pytest

from deploy.sample_forms import new_company_form
from lifeevents.v1 import applications_pb2 as pb
from tests.support.applications import step
from tests.support.polling import eventually
from tests.web.browser import MOTHER, sign_in_as_demo_person, sign_in_as_staff, sign_in_with_resident_id
from tests.web.conftest import screenshot

pytestmark = pytest.mark.web
# The seeded company of the front desk's command-line test (tests/e2e/test_front_desk_demo.py) and its
# legal representative: a deregistration that waits in the queue.
DEREGISTRATION = {"credit_code": "91370202900000014F", "reason": "business_ended", "legal_rep_id": "370202199003070011"}


def test_the_front_desk_returns_a_field_the_applicant_corrects_it_and_the_front_desk_accepts(
        new_page, applicant, accessible):
    application_id = applicant.submit(DEREGISTRATION, bundle="deregistration")
    desk = new_page()
    desk.goto("/sign-in")
    sign_in_as_staff(desk, "officer", "front_desk")
    assert desk.url.endswith("/front-desk"), "the front desk starts at its queue"
    desk.locator(f'tr[data-queued="{application_id}"] a').click()
    accessible(desk, "front desk case (zh)")
    desk.fill("#field-return-reason", "注销原因与股东会决议不一致")
    desk.locator("[data-return]").click()
    assert desk.url.endswith("/front-desk") and desk.locator(f'tr[data-queued="{application_id}"]').count() == 0
    accessible(desk, "front desk queue (zh)")
    screenshot(desk, "front-desk-zh")

    person = new_page()
    person.goto(f"/applications/{application_id}")
    sign_in_with_resident_id(person, DEREGISTRATION["legal_rep_id"])
    assert person.locator("[data-application-status]").first.get_attribute("data-application-status") == "RETURNED"
    assert "注销原因与股东会决议不一致" in person.locator('[data-awaited-field="reason"]').inner_text()
    assert person.eval_on_selector_all("[data-supplement-form] [data-field]", "els => els.map(e => e.dataset.field)") \
        == ["reason"], "just the returned field"
    accessible(person, "application returned (zh)")
    screenshot(person, "application-returned-zh")
    person.check("#field-reason-2")  # shareholders' resolution
    person.locator("[data-supplement]").click()
    assert person.locator("[data-application-status]").first.get_attribute("data-application-status") \
        == "AWAITING_ACCEPTANCE"
    assert person.locator("[data-supplement-form]").count() == 0, "nothing awaited any more"

    desk.goto(f"/front-desk/{application_id}")
    desk.locator("[data-accept]").click()
    assert applicant.get(application_id).status not in (pb.Application.AWAITING_ACCEPTANCE,
                                                        pb.Application.RETURNED)


def test_a_material_left_out_is_awaited_with_its_deadline_and_supplied_from_the_page(new_page, applicant,
                                                                                   accessible):
    form = new_company_form("startup")  # the demo mother is its legal representative
    del form["lease_contract_no"]
    application_id = applicant.submit(form, bundle="startup")
    page = new_page()
    page.goto("/apply/startup")
    sign_in_as_demo_person(page)
    assert page.locator('[data-field="lease_contract_no"] [data-deferrable]').count() == 1
    assert "3 天" in page.locator("#field-lease_contract_no-hint").inner_text()
    page.goto(f"/applications/{application_id}")
    assert page.locator('[data-material-supplied="no"]').count() == 1 and page.locator("[data-due-at]").count() == 1
    assert "承诺后补" in page.locator('[data-awaited-field="lease_contract_no"]').inner_text()
    accessible(page, "application awaiting a material (zh)")
    page.locator("[data-supplement]").click()
    assert page.locator("[data-error-summary] a").count() == 1, "the API's field error in place"
    accessible(page, "supplement with an error (zh)")
    page.fill("#field-lease_contract_no", "QD-ZL-2026-004518")
    page.locator("[data-supplement]").click()
    assert page.locator('[data-material-supplied="yes"]').count() == 1
    screenshot(page, "material-supplied-zh")


def test_the_commitment_is_asked_with_a_checkbox_and_refusals_both_ways(new_page, accessible):
    page = new_page()
    page.goto("/sign-in")
    sign_in_as_demo_person(page)
    page.get_by_role("link", name="English").click()
    page.goto("/apply/deregistration_simplified")
    assert "has no outstanding debts" in page.locator('[data-commitment="no_debts"]').inner_text()
    page.fill("#field-legal_rep_id", MOTHER)  # she is named: the form is checked, the commitment not ticked
    page.get_by_role("button", name="Submit").click()
    summary = page.locator("[data-error-summary]")
    assert summary.locator('a[href="#field-commitment-no_debts"]').count() == 1, page.locator("main").inner_text()
    assert page.locator('[data-commitment="no_debts"] .error-message').count() == 1
    accessible(page, "form with a commitment (en)")
    screenshot(page, "commitment-en")
    assert page.goto("/front-desk").status == 403, "a citizen"
    officer = new_page()
    officer.goto("/sign-in")
    sign_in_as_staff(officer, "officer", "tax")
    assert officer.goto("/front-desk").status == 404, "a department's officer"
    assert officer.goto("/front-desk/00000000-0000-4000-8000-000000000000").status == 404


def test_an_officer_finds_a_commitment_false_and_the_applicants_page_says_revoked(new_page, applicant,
                                                                                accessible):
    company = new_company_form("startup")  # the demo mother is its legal representative
    opened = applicant.settle(applicant.submit(company, bundle="startup"))
    application_id = applicant.submit({"credit_code": step(opened, "business_registration").result["credit_code"],
                                       "reason": "business_ended", "commitment.no_debts": "accepted"},
                                      bundle="deregistration_simplified")
    officer = new_page()
    officer.goto(f"/cases/{application_id}")
    sign_in_as_staff(officer, "officer", "market_regulation")
    assert officer.locator('[data-commitment="no_debts"]').get_attribute("data-commitment-status") == "MADE"
    officer.locator("[data-record-finding]").click()
    assert officer.locator("[data-error-summary] a").count() == 2, "holds and the finding both required"
    accessible(officer, "case with a commitment, errors (zh)")
    officer.check("#field-finding-no_debts-holds-2")  # false
    officer.fill("#field-finding-no_debts-finding", "税务系统显示尚有欠缴税款")
    officer.locator("[data-record-finding]").click()
    assert officer.locator('[data-commitment="no_debts"]').get_attribute("data-commitment-status") == "BROKEN"
    assert officer.locator("[data-finding-form]").count() == 0

    eventually(lambda: assert_status(applicant.get(application_id), pb.Application.REVOKED), timeout=60)
    page = new_page()
    page.goto(f"/applications/{application_id}")
    sign_in_as_demo_person(page)
    assert page.locator("[data-application-status]").first.get_attribute("data-application-status") == "REVOKED"
    assert "已撤销（承诺不实）" in page.locator("[data-application-status]").first.inner_text()
    assert "税务系统显示尚有欠缴税款" in page.locator('[data-commitment="no_debts"]').inner_text()
    accessible(page, "application revoked (zh)")
    screenshot(page, "application-revoked-zh")


def assert_status(application: pb.Application, status: int) -> pb.Application:
    assert application.status == status, pb.Application.Status.Name(application.status)
    return application


def test_the_applicant_withdraws_an_application_with_a_reason_and_rates_it(new_page, applicant, accessible):
    application_id = applicant.submit(DEREGISTRATION, bundle="deregistration")  # waits at the front desk
    page = new_page()
    page.goto(f"/applications/{application_id}")
    sign_in_with_resident_id(page, DEREGISTRATION["legal_rep_id"])
    page.fill("#field-withdraw_reason", "股东决定继续经营")
    page.locator("[data-withdraw-button]").click()
    assert page.locator('a[href="#field-withdraw_confirm"]').count() == 1, "a withdrawal is confirmed"
    accessible(page, "withdraw without confirming (zh)")
    page.check("#field-withdraw_confirm")
    page.locator("[data-withdraw-button]").click()
    assert page.locator("[data-application-status]").first.get_attribute("data-application-status") == "WITHDRAWN"
    page.locator("#field-rating_level-4").check()  # dissatisfied
    page.fill("#field-rating_comment", "窗口排队太久")
    accessible(page, "rate (zh)")
    page.locator("[data-rate-button]").click()
    assert "感谢您的评价" in page.locator(".notice").inner_text()
    page.locator("#field-rating_level").check()
    page.locator("[data-rate-button]").click()
    assert "您已评价过此申请" in page.locator("[data-error-summary]").inner_text(), "once only"
    screenshot(page, "rated-zh")

    operator = new_page()
    operator.goto("/sign-in")
    sign_in_as_staff(operator, "operator")
    follow_up = operator.locator(f'[data-application="{application_id}"]')

    def listed():
        operator.goto("/operations/follow-ups")
        assert follow_up.count() == 1, "the follow-up is not listed yet"
        return True
    eventually(listed, timeout=20)
    assert "窗口排队太久" in follow_up.inner_text()
    accessible(operator, "follow-ups (zh)")
    follow_up.locator("[data-close-button]").click()
    assert operator.locator("[data-error-summary] a").count() == 1, "a rectification is required"
    follow_up.locator("textarea").fill("增开注销业务窗口")
    follow_up.locator("[data-close-button]").click()
    operator.goto("/operations/follow-ups?state=closed")
    assert "增开注销业务窗口" in follow_up.locator("[data-closed]").inner_text()
    operator.goto("/operations/statistics")
    assert operator.locator('[data-figure="ratings"]').count() == 1
    accessible(operator, "statistics with ratings (zh)")
