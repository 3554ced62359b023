"""The development sign-in in the browser: its errors in the GOV.UK pattern, staff roles, signing
out, and the page shown when a form comes back without its CSRF token."""
from __future__ import annotations

import pytest

from tests.web.browser import sign_in_with_resident_id
from tests.web.conftest import screenshot

pytestmark = pytest.mark.web


def test_a_wrong_resident_id_and_a_staff_role_without_department_are_errors_at_their_fields(new_page, accessible):
    page = new_page()
    page.goto("/language/en?next=/sign-in")
    accessible(page, "sign-in (en)")
    sign_in_with_resident_id(page, "370202199205140023", button="Sign in with this ID")  # wrong check digit
    summary = page.locator("[data-error-summary]")
    assert summary.locator("a").get_attribute("href") == "#field-resident_id"
    assert "Enter a valid 18-character resident ID" in page.locator("#field-resident_id-error").inner_text()
    assert page.locator("#field-resident_id").input_value() == "370202199205140023"
    accessible(page, "sign-in with an error (en)")
    screenshot(page, "sign-in-error-en")

    page.locator("#field-role").check()  # officer
    page.get_by_role("button", name="Sign in as staff").click()
    assert "Select the officer's department" in page.locator("[data-error-summary]").inner_text()
    page.locator("#field-role").check()
    page.select_option("#field-department", "health")
    page.get_by_role("button", name="Sign in as staff").click()
    assert "officer (Health Commission)" in page.locator("[data-signed-in]").inner_text()
    assert page.url.endswith("/cases") and page.locator("h1").inner_text() == "Cases", "an officer starts at cases"
    accessible(page, "cases as an officer (en)")

    page.get_by_role("button", name="Sign out").click()
    assert "You have signed out." in page.locator(".notice").inner_text()
    assert page.locator("[data-signed-in]").count() == 0


def test_the_form_expired_page(new_page, accessible):
    page = new_page()
    page.goto("/sign-in")
    forged = page.request.post("/sign-in", form={"kind": "resident_id", "resident_id": "370202199205140022"})
    assert forged.status == 403
    page.set_content(forged.text())  # shown at the site's address, so its stylesheet loads
    assert "表单已过期" in page.locator("h1").inner_text()
    accessible(page, "form expired (zh)")
