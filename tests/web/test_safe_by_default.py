"""Safe by default, seen from the browser: security headers, the session cookie's flags, CSRF
refusals, no personal data in URLs or in the web's log, and pages a person understands when the
coordinator is away or the suite runs in production."""
from __future__ import annotations

import re

import pytest

from deploy.suite import Suite, free_port
from tests.web.browser import MOTHER, fill_newborn_form, sign_in_as_demo_person
from tests.web.conftest import screenshot

pytestmark = pytest.mark.web


def test_pages_carry_the_security_headers_and_the_session_cookie_is_http_only_and_lax(new_page):
    page = new_page()
    response = page.goto("/sign-in")
    headers = response.headers
    assert "default-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["cache-control"] == "no-store"
    sign_in_as_demo_person(page)
    cookie = next(c for c in page.context.cookies() if c["name"] == "lifeevents_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert not cookie["secure"], "served over plain http here; Secure is set when the web serves https"
    assert MOTHER not in page.evaluate("document.cookie"), "scripts cannot read the session"


def test_a_form_posted_without_its_csrf_token_is_refused(new_page):
    page = new_page()
    page.goto("/sign-in")
    sign_in_as_demo_person(page)
    forged = page.request.post("/apply/newborn", form={"mother_id": MOTHER, "child_name": "王伪造"})
    assert forged.status == 403 and "表单已过期" in forged.text()
    wrong = page.request.post("/sign-out", form={"csrf_token": "not-the-token"})
    assert wrong.status == 403
    page.goto("/applications")
    assert page.locator("[data-signed-in]").count() == 1, "still signed in: the forged sign-out did nothing"


def test_no_personal_data_in_urls_or_in_the_web_log(new_page, running_suite):
    page = new_page()
    urls = []
    page.on("request", lambda request: urls.append(request.url))
    page.goto("/apply/newborn")
    sign_in_as_demo_person(page)
    fill_newborn_form(page)
    page.get_by_role("button", name="提交申请").click()
    page.locator('[data-application-status="COMPLETED"]').wait_for(timeout=30_000)
    page.goto("/applications")
    visited = list(urls)
    page.goto(f"/applications/{MOTHER}")  # someone types an ID into the address bar
    assert visited
    for url in visited:
        assert not re.search(r"\d{15}", url) and "%E" not in url, url
    web_lines = [line for line in running_suite.log_path.read_text(encoding="utf-8").splitlines()
                 if re.match(r"\s*web \|", line)]
    assert any("/applications/" in line for line in web_lines), "the access log is there"
    for line in web_lines:
        assert MOTHER not in line and "李秀英" not in line and "王建国" not in line, line


@pytest.fixture(scope="module")
def production_web_without_coordinator(tmp_path_factory):
    """A second web front door: LIFEEVENTS_ENV=production, and its coordinator address has no one."""
    data_dir = tmp_path_factory.mktemp("web-production")
    env = {"LIFEEVENTS_ENV": "production", "LIFEEVENTS_DATA_DIR": str(data_dir),
           "LIFEEVENTS_GRPC_ADDRESS": f"127.0.0.1:{free_port()}",
           "LIFEEVENTS_WEB_ADDRESS": f"127.0.0.1:{free_port()}"}
    with open(data_dir / "web.log", "w", encoding="utf-8") as log:
        suite = Suite(env, log=log)
        suite.restart("web")
        yield f"http://{suite.web_address}"
        suite.stop()


def test_production_has_no_development_sign_in(new_page, production_web_without_coordinator, accessible):
    page = new_page()
    response = page.goto(f"{production_web_without_coordinator}/sign-in")
    assert response.status == 503
    assert "需要配置身份认证服务" in page.locator("h1").inner_text()
    assert page.locator("#field-person").count() == 0
    posted = page.request.post(f"{production_web_without_coordinator}/sign-in",
                               form={"kind": "resident_id", "resident_id": MOTHER})
    assert posted.status == 503 and "lifeevents_session" not in posted.headers.get("set-cookie", "")
    accessible(page, "production sign-in (zh)")
    screenshot(page, "production-sign-in")


def test_a_coordinator_that_is_away_gives_try_again_shortly(new_page, production_web_without_coordinator,
                                                            accessible):
    page = new_page()
    response = page.goto(f"{production_web_without_coordinator}/")
    assert response.status == 503 and response.headers["retry-after"] == "10"
    assert page.locator("[data-error-page]").get_attribute("data-error-page") == "unavailable"
    assert "请稍后再试" in page.locator("main").inner_text()
    accessible(page, "service unavailable (zh)")
    screenshot(page, "service-unavailable")
