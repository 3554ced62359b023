"""Applicants with identity, in the browser: a citizen delegates a life event to an agent, who signs
in, applies for her and follows the application until she revokes the delegation; her "who looked
at my data" page lists the civil register's lookup made for her application, and her agent's reads."""
from __future__ import annotations

import datetime as dt

import pytest

from deploy.sample_forms import newborn_form
from tests.web.browser import MOTHER, fill_newborn_form, sign_in_as_demo_person, step_statuses
from tests.web.conftest import screenshot

pytestmark = pytest.mark.web
AGENT = "370203198807120039"  # 赵*强, the demo agent (web/demo_people.yaml)
AGENT_INDEX = 7               # his place in the demo list


def test_a_citizen_delegates_the_agent_applies_and_follows_until_she_revokes_it(new_page, accessible,
                                                                                coordinator_clock):
    mother = new_page()
    mother.goto("/delegations")
    sign_in_as_demo_person(mother)
    assert mother.url.endswith("/delegations")
    accessible(mother, "delegations (zh)")
    mother.fill("#field-agent", AGENT)
    mother.select_option("#field-bundle", "newborn")
    # By the coordinator's clock, which other tests move forward by days.
    mother.fill("#field-until", (coordinator_clock.now() + dt.timedelta(days=30)).date().isoformat())
    mother.get_by_role("button", name="确认委托").click()
    assert "委托已生效" in mother.locator(".notice").inner_text()
    granted = mother.locator('[data-granted] tr[data-delegation="newborn"]', has_text="370203********0039")
    assert granted.get_attribute("data-holds") == "yes"
    screenshot(mother, "delegation-granted-zh")

    agent = new_page()
    agent.goto("/sign-in?next=/delegations")
    sign_in_as_demo_person(agent, index=AGENT_INDEX)
    assert "帮办代办员" in agent.locator("[data-signed-in]").inner_text()
    received = agent.locator('[data-received] tr[data-delegation="newborn"]', has_text="370202********0022")
    assert received.get_attribute("data-holds") == "yes"
    accessible(agent, "delegations as an agent (zh)")
    received.locator("[data-apply-for]").click()
    assert "370202********0022 已委托您办理此事项" in agent.locator("[data-acting-for]").inner_text()
    accessible(agent, "newborn form as an agent (zh)")
    fill_newborn_form(agent)
    agent.get_by_role("button", name="提交申请").click()
    agent.wait_for_url("**/applications/*")
    agent.locator('[data-application-status="COMPLETED"]').wait_for(timeout=30_000)
    assert set(step_statuses(agent).values()) == {"COMPLETED"}, "followed live by the agent"
    application_id = agent.locator("[data-application-id]").inner_text()
    accessible(agent, "application page as an agent (zh)")
    screenshot(agent, "agent-application-zh")
    agent.get_by_role("link", name="我的申请").click()
    assert "代办人" in agent.locator(f'tr[data-application="{application_id}"]').inner_text()
    accessible(agent, "my applications as an agent (zh)")

    # The application is hers: she sees it, and that her agent followed it.
    mother.goto(f"/applications/{application_id}")
    assert mother.locator("[data-application-status]").get_attribute("data-application-status") == "COMPLETED"
    mother.goto("/data-access")
    by_agent = mother.locator(f'tr:has([data-entry-application="{application_id}"])', has_text="370203********0039")
    assert "代办人按委托查看申请" in by_agent.first.inner_text()

    mother.goto("/delegations")
    mother.locator('[data-granted] tr[data-delegation="newborn"]', has_text="370203********0039").get_by_role(
        "button").click()
    assert "委托已撤销" in mother.locator(".notice").inner_text()
    assert mother.locator('[data-granted] tr[data-delegation="newborn"]', has_text="370203********0039"
                          ).get_attribute("data-holds") == "no"

    response = agent.goto(f"/applications/{application_id}")
    assert response.status == 404
    assert agent.locator("[data-error-page]").get_attribute("data-error-page") == "not_found"
    assert agent.request.get(f"/applications/{application_id}/events").status == 404
    agent.goto("/delegations")
    assert agent.locator('[data-received] tr[data-delegation="newborn"]', has_text="370202********0022"
                         ).locator("[data-apply-for]").count() == 0
    screenshot(agent, "agent-after-revocation-zh")


def test_the_mothers_data_access_page_lists_the_civil_registers_lookup_for_her_application(
        new_page, applicant, accessible):
    application_id = applicant.submit(newborn_form(mother_name=None, mailing_address=None))  # both looked up
    assert applicant.settle(application_id).status
    page = new_page()
    page.goto("/data-access")
    sign_in_as_demo_person(page)
    rows = page.locator(f'tr:has([data-entry-application="{application_id}"])')
    lookups = rows.filter(has_text="系统代 370202********0022 查询公安户籍登记")
    assert lookups.count() >= 1, "the register lookup made at her Submit"
    assert "材料复用：为出生一件事申请查询登记信息" in lookups.first.inner_text()
    assert {"户籍地址", "姓名"} <= set(" ".join(lookups.all_inner_texts()).replace("、", " ").split()), \
        "which items: her name and household address"
    assert MOTHER not in page.content(), "her own ID shown masked, as anywhere others may look"
    accessible(page, "who looked at my data (zh)")
    screenshot(page, "data-access-zh")
    page.get_by_role("link", name="English").click()
    assert "The suite, asking Civil registration (public security) for 370202********0022" in page.locator(
        "[data-access-log]").inner_text()
    accessible(page, "who looked at my data (en)")
