"""An applicant in the browser: sign in, choose a life event, fill in the one combined form, and
follow the application live; in Chinese, in English, with errors, without JavaScript, and at an
application that is not theirs."""
from __future__ import annotations

import datetime as dt
import time
import uuid

import pytest

from deploy.sample_forms import newborn_form
from tests.web.browser import fill_newborn_form, sign_in_as_demo_person, sign_in_with_resident_id, step_statuses
from tests.web.conftest import PHONE, Report, screenshot

pytestmark = pytest.mark.web
NEWBORN_STEPS = {"birth_certificate", "vaccination_record", "household_registration", "medical_insurance",
                 "social_security_card"}


def test_a_mother_applies_for_a_newborn_in_chinese_and_sees_every_step_complete_live(new_page, accessible,
                                                                                     fault_rules):
    page = new_page(viewport=PHONE)
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    accessible(page, "home (zh)")
    page.get_by_role("link", name="出生一件事").click()

    # Not signed in yet: the sign-in page, then straight back to the form.
    assert page.url.endswith("/sign-in?next=/apply/newborn")
    accessible(page, "sign-in (zh)")
    sign_in_as_demo_person(page)
    assert page.url.endswith("/apply/newborn")
    assert "李*英" in page.locator("[data-signed-in]").inner_text()
    accessible(page, "newborn form (zh)")
    known = page.locator('[data-field="mother_name"]')
    assert "已掌握" in known.inner_text() and "来自公安户籍" in known.inner_text()
    # The mailing address is only suggested by the register: a default she may change, not "already known".
    suggested = page.locator('[data-field="mailing_address"]')
    assert suggested.get_attribute("data-suggested") is not None and "已掌握" not in suggested.inner_text()
    assert "不填时使用公安户籍登记的信息作为默认值" in suggested.inner_text()
    child_name = fill_newborn_form(page)
    screenshot(page, "newborn-form-zh")

    # The birth certificate's first four deliveries fail (0.1 + 0.2 + 0.4 + 0.8 s of retry pauses),
    # so the page opens before any step is done and must change without a reload.
    fault_rules.add(department="health", action="issue_birth_certificate", inputs={"child_name": child_name},
                    deliveries=4, error="register busy (test)")
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url("**/applications/*")
    assert page.locator("[data-application-status]").get_attribute("data-application-status") == "IN_PROGRESS"
    page.evaluate("window.stillTheSamePage = true")
    page.locator('[data-application-status="COMPLETED"]').wait_for(timeout=30_000)
    assert page.evaluate("window.stillTheSamePage === true"), "the page updated itself, without a reload"
    assert step_statuses(page) == {step: "COMPLETED" for step in NEWBORN_STEPS}
    progress = page.locator("[data-progress]").inner_text()
    for words in ("已办结", "出生医学证明", "卫生健康委员会", "公安户籍", "社会保障卡号", "新生儿身份证号"):
        assert words in progress
    assert "已办结" in page.locator("#live-status").inner_text()
    accessible(page, "application page (zh)")
    screenshot(page, "newborn-application-zh")

    application_id = page.locator("[data-application-id]").inner_text()
    page.get_by_role("link", name="我的申请").click()
    row = page.locator(f'tr[data-application="{application_id}"]')
    assert "已办结" in row.inner_text() and "本人" in row.inner_text(), "from Applications/ListMine"
    accessible(page, "my applications (zh)")
    screenshot(page, "my-applications-zh")


def test_the_same_in_english_remembered_and_timed_from_form_to_completed(new_page, accessible):
    page = new_page()
    page.goto("/")
    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    accessible(page, "home (en)")
    page.get_by_role("link", name="Newborn").click()
    sign_in_as_demo_person(page, button="Sign in as this person")
    accessible(page, "newborn form (en)")
    assert "Already known — from Civil registration (public security)" in page.locator(
        '[data-field="mother_name"]').inner_text()

    opened = time.perf_counter()
    page.goto("/apply/newborn")
    fill_newborn_form(page)
    page.get_by_role("button", name="Submit application").click()
    page.locator('[data-application-status="COMPLETED"]').wait_for(timeout=30_000)
    seconds = time.perf_counter() - opened
    Report.timings.append(f"newborn, opening the form to seeing 'Completed' in the browser: {seconds:.2f} s "
                          f"(Playwright fills the form; no injected delay)")
    print(f"form opened -> completed seen: {seconds:.2f} s")

    assert step_statuses(page) == {step: "COMPLETED" for step in NEWBORN_STEPS}
    assert "Birth medical certificate" in page.locator("[data-progress]").inner_text()
    accessible(page, "application page (en)")
    screenshot(page, "newborn-application-en")
    page.get_by_role("link", name="My applications").click()
    assert page.locator("h1").inner_text() == "My applications", "the language is remembered"


def test_a_form_with_three_errors_shows_the_summary_keeps_the_values_and_submits_once_fixed(new_page, accessible):
    page = new_page()
    page.goto("/sign-in?next=/apply/newborn")
    sign_in_with_resident_id(page, "370202199205140022")
    # Far ahead: other tests move the coordinator's clock forward by days.
    future = dt.date.today() + dt.timedelta(days=3650)
    fill_newborn_form(page, child_name="", phone="12345", birth_date=future)
    page.get_by_role("button", name="提交申请").click()

    assert page.title().startswith("错误：")
    summary = page.locator("[data-error-summary]")
    links = summary.locator("a")
    assert [links.nth(i).get_attribute("href") for i in range(links.count())] == [
        "#field-child_name", "#field-birth_date", "#field-contact_phone"]
    assert summary.evaluate("element => element === document.activeElement"), "focus on the summary"
    assert "请填写新生儿姓名" in links.nth(0).inner_text()
    assert "不能晚于今天" in links.nth(1).inner_text()
    assert "11 位手机号码" in links.nth(2).inner_text()
    # The message at each field, tied to its input; what was entered is still there.
    phone = page.locator("#field-contact_phone")
    assert "field-contact_phone-error" in phone.get_attribute("aria-describedby")
    assert phone.get_attribute("aria-invalid") == "true"
    assert "11 位手机号码" in page.locator("#field-contact_phone-error").inner_text()
    assert phone.input_value() == "12345"
    assert page.locator("#field-birth_date").input_value() == future.isoformat()
    assert page.locator("#field-mother_id").input_value() == "370202199205140022"
    assert page.locator("#field-birth_hospital").input_value() == "青岛市妇女儿童医院"
    assert page.locator("#field-child_sex-2").is_checked()
    accessible(page, "newborn form with errors (zh)")
    screenshot(page, "newborn-form-errors-zh")

    links.nth(2).click()
    assert phone.evaluate("element => element === document.activeElement"), "the link puts the cursor in the field"
    phone.fill("13805320001")
    page.fill("#field-child_name", "王小改")
    page.fill("#field-birth_date", (dt.date.today() - dt.timedelta(days=1)).isoformat())
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url("**/applications/*")
    page.locator('[data-application-status="COMPLETED"]').wait_for(timeout=30_000)
    screenshot(page, "newborn-fixed-and-completed-zh")


def test_an_application_that_is_not_theirs_or_does_not_exist_is_not_found(new_page, applicant, accessible):
    someone_elses = applicant.submit(newborn_form())
    page = new_page()
    page.goto("/sign-in")
    sign_in_as_demo_person(page, index=3)  # 张伟, not the mother of that application
    for application_id in (someone_elses, str(uuid.uuid4()), "not-an-id"):
        response = page.goto(f"/applications/{application_id}")
        assert response.status == 404
        assert page.locator("[data-error-page]").get_attribute("data-error-page") == "not_found"
        assert "找不到该页面" in page.locator("h1").inner_text()
        assert "370202199205140022" not in page.content()
    events = page.request.get(f"/applications/{someone_elses}/events")
    assert events.status == 404
    accessible(page, "not found (zh)")
    screenshot(page, "not-found-zh")


def test_every_page_works_without_javascript(new_page, accessible):
    page = new_page(javascript=False)
    page.goto("/apply/newborn")
    sign_in_as_demo_person(page)
    fill_newborn_form(page, phone="999")
    page.get_by_role("button", name="提交申请").click()
    assert page.locator("[data-error-summary]").is_visible()  # server-rendered; autofocus needs no script
    page.fill("#field-contact_phone", "13805320001")
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url("**/applications/*")
    for _ in range(60):
        if page.locator("[data-application-status]").get_attribute("data-application-status") == "COMPLETED":
            break
        time.sleep(0.5)
        page.get_by_role("link", name="刷新进度").click()
    assert step_statuses(page) == {step: "COMPLETED" for step in NEWBORN_STEPS}
    screenshot(page, "newborn-application-without-javascript")
