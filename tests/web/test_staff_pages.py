"""Officers and operators in the browser: a tax officer sees no newborn application and a health
officer only the health steps; an operator retries a dead-lettered step from the dashboard and the
application completes; the statistics are SVG charts carrying their figures; admin tools are the
admins' only."""
from __future__ import annotations

import pytest

from deploy.sample_forms import newborn_form, unique_child_name
from lifeevents.v1 import applications_pb2 as pb
from lifeevents.v1 import operations_pb2 as ops
from tests.support.polling import eventually
from tests.web.browser import sign_in_as_demo_person, sign_in_as_staff
from tests.web.conftest import screenshot
from web.statistics import shown_figure

pytestmark = pytest.mark.web
NEWBORN_STEPS = {"birth_certificate", "vaccination_record", "household_registration", "medical_insurance",
                 "social_security_card"}


def steps_shown(page) -> set[str]:
    return set(page.eval_on_selector_all("[data-step]", "els => els.map(e => e.dataset.step)"))


def test_a_tax_officer_sees_no_newborn_application_and_a_health_officer_only_the_health_steps(
        new_page, applicant, accessible):
    form = newborn_form()
    application_id = applicant.submit(form)
    applicant.settle(application_id)

    tax = new_page()
    tax.goto("/sign-in")
    sign_in_as_staff(tax, "officer", "tax")
    assert tax.url.endswith("/cases")
    accessible(tax, "cases (zh)")
    tax.fill("#field-application", application_id)
    tax.get_by_role("button", name="查看办件").click()
    assert tax.locator("[data-error-page]").get_attribute("data-error-page") == "not_found"
    assert tax.goto(f"/cases/{application_id}").status == 404
    screenshot(tax, "case-not-found-for-tax")

    health = new_page()
    health.goto(f"/cases/{application_id}")
    sign_in_as_staff(health, "officer", "health")
    assert health.url.endswith(f"/cases/{application_id}")
    assert steps_shown(health) == {"birth_certificate", "vaccination_record"}
    certificate = health.locator('[data-step="birth_certificate"] [data-inputs]').inner_text()
    assert form["child_name"] in certificate and "母亲身份证号" in certificate, "each step with what it uses"
    assert "社会保障卡" not in health.locator("main").inner_text()
    accessible(health, "case as a health officer (zh)")
    screenshot(health, "case-health-officer-zh")

    front_desk = new_page()
    front_desk.goto(f"/cases/{application_id}")
    sign_in_as_staff(front_desk, "officer", "front_desk")
    assert steps_shown(front_desk) == NEWBORN_STEPS
    accessible(front_desk, "case at the front desk (zh)")


def test_an_operator_retries_a_dead_lettered_step_from_the_dashboard_and_the_application_completes(
        new_page, applicant, fault_rules, accessible):
    child = unique_child_name()
    fault_rules.add(department="medical_insurance", action="enrol_newborn", inputs={"child_name": child},
                    error="enrolment register offline (web test)")
    application_id = applicant.submit(newborn_form(child_name=child))
    assert applicant.settle(application_id).status == pb.Application.FAILED
    fault_rules.clear()  # the register is back

    page = new_page()
    page.goto("/sign-in")
    sign_in_as_staff(page, "operator")
    assert page.url.endswith("/operations")
    accessible(page, "operations dashboard (zh)")
    screenshot(page, "operations-dashboard-zh")
    page.locator('[data-card="dead-letters"] a').click()
    letter = page.locator(f'[data-dead-letter][data-application="{application_id}"][data-step="medical_insurance"]')
    letter.first.wait_for()
    assert "enrolment register offline (web test)" in letter.first.inner_text()
    accessible(page, "dead letters (zh)")
    screenshot(page, "dead-letters-zh")
    letter.first.locator("[data-retry-link]").click()
    accessible(page, "retry or skip a step (zh)")
    page.get_by_role("button", name="确认").click()
    assert page.locator("[data-error-summary]").is_visible() and "请填写理由" in page.locator("#field-reason-error").inner_text()
    accessible(page, "retry or skip a step with an error (zh)")
    page.fill("#field-reason", "医保登记系统已恢复")
    page.get_by_role("button", name="确认").click()
    assert "已重新发送环节 medical_insurance" in page.locator("h1").inner_text()
    accessible(page, "step sent again (zh)")
    screenshot(page, "step-retried-zh")

    eventually(lambda: applicant.get(application_id).status == pb.Application.COMPLETED, timeout=30)
    page.goto(f"/operations/applications/{application_id}")
    accessible(page, "an application's history: the reason first (zh)")
    page.fill("#field-reason", "核对重试结果")
    page.get_by_role("button", name="查看办理记录").click()
    history = page.locator("[data-history]")
    retried = history.locator('tr[data-event="StepRetried"]')
    assert "dev-operator" in retried.inner_text() and "medical_insurance" in retried.inner_text()
    assert history.locator('tr[data-event="Completed"]').count() == 1
    assert "医保登记系统已恢复" in retried.text_content(), "the stated reason is in the history"
    accessible(page, "an application's history (zh)")
    screenshot(page, "history-zh")

    page.goto("/operations/applications?bundle=newborn&status=COMPLETED")
    assert page.locator(f'tr[data-application="{application_id}"]').count() == 1
    accessible(page, "applications by status and bundle (zh)")
    page.goto("/operations/steps")
    accessible(page, "overdue steps (zh)")


def test_the_statistics_page_renders_svg_charts_with_the_figures_as_text(new_page, applicant, operator, accessible):
    applicant.settle(applicant.submit(newborn_form()))
    page = new_page()
    page.goto("/operations/statistics")
    sign_in_as_staff(page, "operator")
    charts = page.locator("svg[role=img]")
    assert charts.count() >= 4
    newborn, = operator.GetStatistics(ops.GetStatisticsRequest(bundle="newborn")).bundles
    reductions = page.locator('svg[data-chart="reductions-newborn"]')
    figures = reductions.locator("[data-figure]").all_text_contents()
    described = reductions.locator("desc").text_content()
    for reduction in newborn.reductions:
        assert {shown_figure(reduction.separately), shown_figure(reduction.bundled)} <= set(figures)
        assert f"减少 {shown_figure(reduction.reduction_percent)}%" in described
    assert "出生一件事：与分别办理相比" == reductions.locator(":scope > title").text_content()
    assert "办理环节：减少 90%" in described, "newborn: 10 steps became 1"
    assert "已办结" in page.locator('svg[data-chart="by-status"] desc').text_content()
    assert "中位数" in page.locator('svg[data-chart="durations"] desc').text_content()
    accessible(page, "statistics (zh)")
    screenshot(page, "statistics-zh")
    page.get_by_role("link", name="English").click()
    assert "Steps: 90% fewer" in page.locator('svg[data-chart="reductions-newborn"] desc').text_content()
    accessible(page, "statistics (en)")


def test_admin_tools_are_the_admins_and_the_dashboard_the_operators(new_page, applicant, accessible):
    citizen = new_page()
    citizen.goto("/sign-in")
    sign_in_as_demo_person(citizen)
    assert citizen.goto("/operations").status == 403
    assert citizen.locator("[data-error-page]").get_attribute("data-error-page") == "forbidden"
    accessible(citizen, "forbidden (zh)")

    operator = new_page()
    operator.goto("/sign-in")
    sign_in_as_staff(operator, "operator")
    assert operator.locator("[data-admin-link]").count() == 0
    assert operator.goto("/operations/admin").status == 403

    application_id = applicant.submit(newborn_form())
    applicant.settle(application_id)
    admin = new_page()
    admin.goto("/sign-in")
    sign_in_as_staff(admin, "admin")
    admin.locator("[data-admin-link]").click()
    accessible(admin, "administrator tools (zh)")
    admin.get_by_role("button", name="开始核验").click()
    assert admin.locator("[data-verification]").get_attribute("data-verification") == "intact"
    accessible(admin, "access log verified (zh)")
    admin.goto(f"/operations/applications/{application_id}")
    admin.fill("#field-version", "2")
    admin.fill("#field-replay_reason", "工单 4711")
    admin.get_by_role("button", name="回放").click()
    assert "回放：版本 2" in admin.locator("h1").inner_text()
    assert "370202199205140022" not in admin.content(), "masked"
    accessible(admin, "replay (zh)")
    screenshot(admin, "replay-zh")
