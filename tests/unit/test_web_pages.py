"""The web's pages against a fake Applications port (the port the web owns, web/api.py): session
expiry, each API error mapped to a page a person understands, CSRF, production mode, the cookie's
flags, the token sent on every call, and an access log without personal data."""
from __future__ import annotations

import datetime as dt
import logging
import re
import stat

import pytest
from starlette.testclient import TestClient

from lifeevents.identity import TokenVerifier
from lifeevents.v1 import applications_pb2 as pb
from web import api as errors
from web.app import create_app
from web.config import WebSettings, session_secret
from web.security import loggable_path

MOTHER = "370202199205140022"
APPLICATION_ID = "6f1c1b8e-8a53-4f51-9a43-0e0c3b1f2d11"
FORM = pb.Form(bundle="newborn", name=pb.LocalizedText(zh="出生一件事", en="Newborn"), asked_count=2, fields=[
    pb.FormField(name="mother_id", type="resident_id", required=True,
                 label=pb.LocalizedText(zh="母亲身份证号", en="Mother's resident ID")),
    pb.FormField(name="child_name", type="text", required=True, label=pb.LocalizedText(zh="新生儿姓名", en="Child's name")),
])


class Clock:
    def __init__(self):
        self.now = dt.datetime.now(dt.timezone.utc)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


class FakeApplications:
    """The Applications port with answers set by the test; it records the token of every call."""

    def __init__(self):
        self.tokens: list[str] = []
        self.failures: dict[str, errors.ApiError] = {}
        self.submitted: list[dict] = []

    def _call(self, method: str, token: str) -> None:
        self.tokens.append(token)
        if method in self.failures:
            raise self.failures[method]

    async def list_bundles(self, token):
        self._call("list_bundles", token)
        return [pb.BundleSummary(id="newborn", name=FORM.name, description=pb.LocalizedText(zh="一表申请", en="One form"),
                                 departments=["health"], step_count=5, time_limit_hours=120)]

    async def get_form(self, bundle, token):
        self._call("get_form", token)
        if bundle != "newborn":
            raise errors.NotFound("no bundle")
        return FORM

    async def submit(self, bundle, values, idempotency_key, token):
        self._call("submit", token)
        self.submitted.append(dict(values))
        return APPLICATION_ID

    async def get(self, application_id, token):
        self._call("get", token)
        return pb.Application(application_id=application_id, bundle="newborn", status=pb.Application.COMPLETED,
                              steps=[pb.Step(id="birth_certificate", department="health",
                                             action="issue_birth_certificate", status=pb.Step.COMPLETED,
                                             result={"birth_certificate_no": "Q260000001"})])

    async def watch(self, application_id, token):
        self._call("watch", token)
        yield pb.ApplicationEvent(application_id=application_id, version=1, type="Completed")


def settings(tmp_path, **overrides) -> WebSettings:
    values = dict(host="127.0.0.1", port=8080, grpc_address="127.0.0.1:1", data_dir=tmp_path,
                  session_secret="test-secret", production=False)
    return WebSettings(**{**values, **overrides})


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def api():
    return FakeApplications()


@pytest.fixture
def browser(tmp_path, api, clock):
    with TestClient(create_app(settings(tmp_path), api=api, clock=clock), follow_redirects=False) as client:
        yield client


def csrf_of(client, path="/sign-in") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def sign_in(client, resident_id=MOTHER) -> None:
    response = client.post("/sign-in", data={"csrf_token": csrf_of(client), "kind": "resident_id",
                                             "resident_id": resident_id, "next": "/apply/newborn"})
    assert response.status_code == 303 and response.headers["location"] == "/apply/newborn"


def test_every_call_carries_the_signed_in_persons_token(browser, api, tmp_path):
    sign_in(browser)
    assert browser.get("/apply/newborn").status_code == 200
    principal = TokenVerifier(tmp_path / "identity" / "jwks.json").verify(api.tokens[-1])
    assert (principal.subject, principal.role.value) == (MOTHER, "citizen")
    assert principal.expires_at - dt.datetime.now(dt.timezone.utc) <= dt.timedelta(hours=1)


def test_an_expired_session_goes_back_to_sign_in_with_a_message(browser, clock):
    sign_in(browser)
    clock.advance(minutes=61)
    response = browser.get("/apply/newborn")
    assert response.status_code == 303 and response.headers["location"] == "/sign-in?next=/apply/newborn"
    page = browser.get(response.headers["location"]).text
    assert "登录已过期" in page and "已登录" not in page


def test_a_form_is_submitted_with_what_was_entered_and_the_application_remembered(browser, api):
    sign_in(browser)
    form = browser.get("/apply/newborn").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    response = browser.post("/apply/newborn", data={"csrf_token": csrf, "mother_id": f" {MOTHER} ", "child_name": "",
                                                    "idempotency_key": "k1"})
    assert response.headers["location"] == f"/applications/{APPLICATION_ID}"
    assert api.submitted == [{"mother_id": MOTHER}], "trimmed; empty fields left out"
    assert browser.get(f"/applications/{APPLICATION_ID}").status_code == 200
    assert APPLICATION_ID in browser.get("/applications").text


@pytest.mark.parametrize("failure, status, words", [
    (errors.Forbidden("nope"), 403, "您没有办理此事项的权限"),
    (errors.Unavailable("connection refused"), 503, "请稍后再试"),
    (errors.NotFound("no such bundle"), 404, "找不到该页面"),
    (errors.Conflict("ended"), 409, "现在无法办理"),
    (errors.ApiFailed("boom"), 502, "服务出现问题"),
])
def test_each_api_error_is_a_page_a_person_understands(browser, api, failure, status, words):
    sign_in(browser)
    api.failures["get_form"] = failure
    response = browser.get("/apply/newborn")
    assert response.status_code == status and words in response.text
    assert failure.message not in response.text, "the API's own words are not shown"


def test_unauthenticated_from_the_api_means_sign_in_again(browser, api):
    sign_in(browser)
    api.failures["get_form"] = errors.SignInNeeded("the token has expired")
    response = browser.get("/apply/newborn")
    assert response.status_code == 303 and response.headers["location"].startswith("/sign-in")
    assert "服务不接受您的登录凭证" in browser.get(response.headers["location"]).text


def test_field_errors_of_the_api_are_shown_in_place_with_the_values_kept(browser, api):
    sign_in(browser)
    api.failures["submit"] = errors.InvalidFields("1 bad field", (errors.FieldViolation("form.child_name", "required"),))
    csrf = csrf_of(browser, "/apply/newborn")
    response = browser.post("/apply/newborn", data={"csrf_token": csrf, "mother_id": MOTHER})
    assert response.status_code == 400
    assert 'href="#field-child_name"' in response.text and "请填写新生儿姓名" in response.text
    assert f'value="{MOTHER}"' in response.text


def test_a_post_without_the_forms_csrf_token_is_refused(browser, api):
    sign_in(browser)
    response = browser.post("/apply/newborn", data={"mother_id": MOTHER})
    assert response.status_code == 403 and "表单已过期" in response.text
    assert api.submitted == []


def test_a_bad_resident_id_at_sign_in_is_an_error_at_the_field(browser):
    response = browser.post("/sign-in", data={"csrf_token": csrf_of(browser), "kind": "resident_id",
                                              "resident_id": "370202199205140023"})
    assert response.status_code == 400 and 'href="#field-resident_id"' in response.text
    assert 'value="370202199205140023"' in response.text


def test_sign_in_goes_only_to_paths_of_this_site(browser):
    response = browser.post("/sign-in", data={"csrf_token": csrf_of(browser), "kind": "resident_id",
                                              "resident_id": MOTHER, "next": "//evil.example/"})
    assert response.headers["location"] == "/"


def test_production_has_no_development_sign_in(tmp_path, api):
    with TestClient(create_app(settings(tmp_path, production=True), api=api)) as client:
        page = client.get("/sign-in")
        assert page.status_code == 503 and "需要配置身份认证服务" in page.text
        assert client.post("/sign-in", data={"kind": "resident_id", "resident_id": MOTHER}).status_code == 503
    assert not (tmp_path / "identity").exists(), "no development key is made"


def test_over_https_the_session_cookie_is_secure(tmp_path, api):
    with TestClient(create_app(settings(tmp_path, behind_https=True), api=api), base_url="https://testserver") as client:
        response = client.get("/sign-in")
        cookie = response.headers["set-cookie"].lower()
        assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie
        assert response.headers["strict-transport-security"].startswith("max-age=")


def test_the_access_log_shows_paths_without_personal_data(browser, caplog):
    with caplog.at_level(logging.INFO, logger="web.access"):
        browser.get(f"/applications/{MOTHER}")
        browser.get("/applications/%E6%9D%8E%E7%A7%80%E8%8B%B1")
    lines = [r.getMessage() for r in caplog.records if r.name == "web.access"]
    assert len(lines) == 2 and all(MOTHER not in line and "%E6" not in line and "李" not in line for line in lines)
    assert loggable_path(f"/applications/{APPLICATION_ID}") == f"/applications/{APPLICATION_ID}"


def test_the_session_secret_is_made_once_and_kept_private(tmp_path):
    first = session_secret(tmp_path)
    assert session_secret(tmp_path) == first and len(first) >= 40
    assert stat.S_IMODE((tmp_path / "web" / "session-secret").stat().st_mode) == 0o600
