"""The applicants' pages against a fake Applications port (the port the web owns, web/api.py):
session expiry, each API error mapped to a page a person understands, CSRF, production mode, the
cookie's flags, the token sent on every call, an access log without personal data; my applications,
who looked at my data, delegations, an agent's form, and live pages beyond the caller's streams."""
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
from tests.support.fakes import SteppingClock

MOTHER = "370202199205140022"
APPLICATION_ID = "6f1c1b8e-8a53-4f51-9a43-0e0c3b1f2d11"
FORM = pb.Form(bundle="newborn", name=pb.LocalizedText(zh="出生一件事", en="Newborn"), asked_count=2, fields=[
    pb.FormField(name="mother_id", type="resident_id", required=True,
                 label=pb.LocalizedText(zh="母亲身份证号", en="Mother's resident ID")),
    pb.FormField(name="child_name", type="text", required=True, label=pb.LocalizedText(zh="新生儿姓名", en="Child's name")),
])


def Clock() -> SteppingClock:  # noqa: N802 - the web tests' clock: now, stepped by the test
    return SteppingClock(dt.datetime.now(dt.timezone.utc))


class FakeApplications:
    """The Applications port with answers set by the test; it records the token of every call."""

    def __init__(self):
        self.tokens: list[str] = []
        self.failures: dict[str, errors.ApiError] = {}
        self.submitted: list[dict] = []
        self.calls: list[tuple] = []
        self.mine = pb.ListMineResponse()
        self.access = pb.ListDataAccessResponse()
        self.delegations: list[pb.Delegation] = []
        self.application = pb.Application(
            application_id=APPLICATION_ID, bundle="newborn", status=pb.Application.COMPLETED,
            steps=[pb.Step(id="birth_certificate", department="health", action="issue_birth_certificate",
                           status=pb.Step.COMPLETED, result={"birth_certificate_no": "Q260000001"},
                           inputs={"mother_id": MOTHER, "child_name": "王小明"})])
        self.events: list = [pb.ApplicationEvent(application_id=APPLICATION_ID, version=1, type="Completed")]

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
        self.calls.append(("get", application_id))
        self._call("get", token)
        return self.application

    async def watch(self, application_id, token):
        self._call("watch", token)
        for event in self.events:
            if isinstance(event, Exception):
                raise event
            yield event

    async def list_mine(self, token, page_size, page_token=""):
        self._call("list_mine", token)
        self.calls.append(("list_mine", page_size, page_token))
        return self.mine

    async def list_data_access(self, token, page_size, page_token=""):
        self._call("list_data_access", token)
        self.calls.append(("list_data_access", page_size, page_token))
        return self.access

    async def list_delegations(self, token):
        self._call("list_delegations", token)
        return self.delegations

    async def grant_delegation(self, agent, bundle, until, token):
        self._call("grant_delegation", token)
        self.calls.append(("grant_delegation", agent, bundle, until))
        return pb.Delegation(principal=MOTHER, agent=agent, bundle=bundle, holds=True)

    async def revoke_delegation(self, agent, bundle, token):
        self._call("revoke_delegation", token)
        self.calls.append(("revoke_delegation", agent, bundle))
        return pb.Delegation(principal=MOTHER, agent=agent, bundle=bundle)


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


def test_a_form_is_submitted_with_what_was_entered(browser, api):
    sign_in(browser)
    form = browser.get("/apply/newborn").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    response = browser.post("/apply/newborn", data={"csrf_token": csrf, "mother_id": f" {MOTHER} ", "child_name": "",
                                                    "idempotency_key": "k1"})
    assert response.headers["location"] == f"/applications/{APPLICATION_ID}"
    assert api.submitted == [{"mother_id": MOTHER}], "trimmed; empty fields left out"
    assert browser.get(f"/applications/{APPLICATION_ID}").status_code == 200


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


# -- applicants with identity ------------------------------------------------------------------
AGENT = "370203198807120039"


def sign_in_as(client, resident_id: str, person_role: str = "citizen") -> None:
    response = client.post("/sign-in", data={"csrf_token": csrf_of(client), "kind": "resident_id",
                                             "resident_id": resident_id, "person_role": person_role})
    assert response.status_code == 303


def ts(moment: dt.datetime):
    from google.protobuf import timestamp_pb2

    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def test_my_applications_are_the_apis_list_with_each_ones_part_and_pages(browser, api):
    api.mine = pb.ListMineResponse(total=21, next_page_token="20", applications=[
        pb.ApplicationSummary(application_id=APPLICATION_ID, bundle="newborn", status=pb.Application.IN_PROGRESS,
                              role="agent", submitted_at=ts(dt.datetime(2026, 11, 18, 2, 0, tzinfo=dt.timezone.utc)))])
    sign_in_as(browser, AGENT, "agent")
    page = browser.get("/applications").text
    assert f'data-application="{APPLICATION_ID}"' in page and "代办人" in page and "办理中" in page
    assert "2026-11-18 10:00:00" in page, "Beijing time"
    assert 'href="/applications?page=20"' in page and "共 21 件" in page
    browser.get("/applications?page=20")
    browser.get("/applications?page=../../x")
    assert [c for c in api.calls if c[0] == "list_mine"] == [("list_mine", 20, ""), ("list_mine", 20, "20"),
                                                            ("list_mine", 20, "")]


def test_an_application_the_api_does_not_show_is_the_not_found_page(browser, api):
    sign_in(browser)
    api.failures["get"] = errors.NotFound("no such application")
    response = browser.get(f"/applications/{APPLICATION_ID}")
    assert response.status_code == 404 and "找不到该页面" in response.text
    assert ("get", APPLICATION_ID) in api.calls, "the API decides, not a list kept by the web"
    assert browser.get(f"/applications/{APPLICATION_ID}/events").status_code == 404


def test_a_live_page_beyond_the_callers_streams_says_so_and_ends(browser, api):
    sign_in(browser)
    api.application = pb.Application(application_id=APPLICATION_ID, bundle="newborn",
                                     status=pb.Application.IN_PROGRESS, version=3)
    api.events = [errors.TooManyStreams("at most 32 Watch streams per caller")]
    stream = browser.get(f"/applications/{APPLICATION_ID}/events").text
    assert "您打开的实时进度页面太多" in stream and stream.rstrip().endswith("event: end\ndata:")


def test_who_looked_at_my_data_says_who_when_what_and_why_in_the_pages_language(browser, api):
    at = ts(dt.datetime(2026, 11, 18, 2, 0, tzinfo=dt.timezone.utc))
    api.access = pb.ListDataAccessResponse(next_page_token="7", entries=[
        pb.DataAccessEntry(position=9, at=at, accessor="coordinator", accessor_role="service",
                           department="civil_registration", items=["address", "name"], application_id=APPLICATION_ID,
                           purpose="materials reuse: household_of for the newborn application", allowed=True,
                           on_behalf_of=AGENT),
        pb.DataAccessEntry(position=8, at=at, accessor="T-0042", accessor_role="officer", department="health",
                           items=["mother_id", "child_name"], application_id=APPLICATION_ID,
                           purpose="opening the case"),
        pb.DataAccessEntry(position=7, at=at, accessor="ops-1", accessor_role="operator", application_id=APPLICATION_ID,
                           purpose="history: ticket 4711"),
        pb.DataAccessEntry(position=6, at=at, accessor="T-0043", accessor_role="officer", department="tax",
                           application_id=APPLICATION_ID, purpose="following the application: refused"),
    ])
    sign_in(browser)
    page = browser.get("/data-access").text
    assert "系统代 370203********0039 查询公安户籍登记" in page and AGENT not in page
    assert "户籍地址、姓名" in page and "材料复用：为出生一件事申请查询登记信息" in page
    assert "T-0042（卫生健康委员会）" in page and "母亲身份证号、新生儿姓名" in page
    assert "运维人员查看办理记录，理由：ticket 4711" in page
    assert "查看申请（未获允许）" in page and "data-refused" in page
    assert "2026-11-18 10:00:00" in page and 'href="/data-access?page=7"' in page
    english = browser.get("/language/en?next=/data-access", follow_redirects=True).text
    assert "The suite, asking Civil registration (public security) for 370203********0039" in english
    assert "An operator read its history, because: ticket 4711" in english


def test_a_citizen_grants_a_delegation_until_the_end_of_a_day_and_revokes_it(browser, api, clock):
    sign_in(browser)
    page = browser.get("/delegations").text
    assert "新增委托" in page
    until = (clock.now + dt.timedelta(days=30)).astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    csrf = csrf_of(browser, "/delegations")
    response = browser.post("/delegations", data={"csrf_token": csrf, "agent": AGENT.lower()[:-1] + "9",
                                                  "bundle": "newborn", "until": until.isoformat()})
    assert response.status_code == 303 and response.headers["location"] == "/delegations"
    (_, agent, bundle, moment), = [c for c in api.calls if c[0] == "grant_delegation"]
    assert (agent, bundle) == (AGENT, "newborn")
    assert moment.isoformat() == f"{until.isoformat()}T23:59:59+08:00", "to the end of that day, Beijing time"
    assert "委托已生效" in browser.get("/delegations").text
    response = browser.post("/delegations/revoke", data={"csrf_token": csrf, "agent": AGENT, "bundle": "newborn"})
    assert response.status_code == 303 and ("revoke_delegation", AGENT, "newborn") in api.calls
    assert "委托已撤销" in browser.get("/delegations").text


def test_a_delegation_the_api_refuses_is_an_error_at_its_field_with_the_values_kept(browser, api):
    sign_in(browser)
    csrf = csrf_of(browser, "/delegations")
    response = browser.post("/delegations", data={"csrf_token": csrf, "agent": "", "bundle": "", "until": "soon"})
    assert response.status_code == 400
    assert ['#field-agent', '#field-bundle', '#field-until'] == re.findall(r'href="(#field-[a-z]+)"', response.text)
    assert 'value="soon"' in response.text and not [c for c in api.calls if c[0] == "grant_delegation"]
    api.failures["grant_delegation"] = errors.InvalidFields("a delegation is to someone else", (
        errors.FieldViolation("agent", "not your own resident ID"),))
    response = browser.post("/delegations", data={"csrf_token": csrf, "agent": MOTHER, "bundle": "newborn",
                                                  "until": "2026-12-31"})
    assert response.status_code == 400 and "不能委托给自己" in response.text and f'value="{MOTHER}"' in response.text


def test_an_agent_sees_delegations_granted_to_them_and_whom_the_form_is_for(browser, api):
    api.delegations = [pb.Delegation(principal=MOTHER, agent=AGENT, bundle="newborn", holds=True),
                       pb.Delegation(principal="110105199108210223", agent=AGENT, bundle="newborn", holds=False)]
    sign_in_as(browser, AGENT, "agent")
    page = browser.get("/delegations").text
    assert "委托给我的事项" in page and "370202********0022" in page and 'href="/apply/newborn"' in page
    assert "新增委托" not in page, "an agent grants nothing"
    form = browser.get("/apply/newborn").text
    assert "您以代办人身份填写：370202********0022 已委托您办理此事项" in form and "110105" not in form
    assert browser.post("/delegations", data={"csrf_token": csrf_of(browser, "/delegations"), "agent": MOTHER,
                                              "bundle": "newborn", "until": "2026-12-31"}).status_code == 403


def test_a_submit_by_someone_the_form_does_not_name_is_said_at_the_principal_field(browser, api):
    sign_in_as(browser, AGENT, "agent")
    api.failures["submit"] = errors.Forbidden("no delegation holds", (
        errors.FieldViolation("form.mother_id", "no delegation from the person named as mother_id holds"),))
    response = browser.post("/apply/newborn", data={"csrf_token": csrf_of(browser, "/apply/newborn"),
                                                    "mother_id": MOTHER})
    assert response.status_code == 400 and 'href="#field-mother_id"' in response.text
    assert "只有母亲身份证号所指的本人，或其委托的代办人，才能提交此申请" in response.text


def test_staff_are_taken_to_their_own_pages(browser, api):
    response = browser.post("/sign-in", data={"csrf_token": csrf_of(browser), "kind": "staff", "role": "officer",
                                              "department": "health"})
    assert response.headers["location"] == "/cases"
    assert browser.get(f"/applications/{APPLICATION_ID}").headers["location"] == f"/cases/{APPLICATION_ID}"
    assert browser.get("/applications").status_code == 403
    assert browser.get("/data-access").status_code == 403
