"""The practices (issue 13) in the web against fake ports: the form marks a field that may follow
(容缺) and asks each commitment (告知承诺) with a checkbox, an unticked one an error at it; the
application page says what is awaited and why, with a Supplement form for just those fields (the
API's field errors in place, nothing else sent), the paused time and due date, the commitments and
their verification; the front desk's queue, a case with Accept and Return (a reason per field),
refused to a citizen (403) and to a department's officer (404)."""
from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from lifeevents.v1 import applications_pb2 as pb
from lifeevents.v1 import commitments_pb2 as cpb
from lifeevents.v1 import front_desk_pb2 as fpb
from web import api as errors
from web.api import FieldViolation
from web.app import create_app
from tests.unit.test_web_pages import APPLICATION_ID, MOTHER, Clock, FakeApplications, settings
from tests.unit.test_web_worklist import FakeCases, form_csrf, sign_in

FORM = pb.Form(bundle="newborn", name=pb.LocalizedText(zh="出生一件事", en="Newborn"), fields=[
    pb.FormField(name="mother_id", type="resident_id", required=True,
                 label=pb.LocalizedText(zh="母亲身份证号", en="Mother's resident ID")),
    pb.FormField(name="lease_contract_no", type="text", required=True, deferrable_within_hours=72,
                 label=pb.LocalizedText(zh="租赁合同编号", en="Lease contract number")),
], commitments=[cpb.CommitmentTerms(name="no_debts", form_key="commitment.no_debts", text_zh="企业无债权债务",
                                    text_en="The company has no debts", replaces_zh="清税证明",
                                    replaces_en="a tax clearance")])


class PracticeApplications(FakeApplications):
    def __init__(self):
        super().__init__()
        self.supplemented: list[dict] = []
        self.application = pb.Application(
            application_id=APPLICATION_ID, bundle="newborn", status=pb.Application.RETURNED, paused_hours=26,
            awaited={"lease_contract_no": "promised material", "mother_id": "returned by the front desk"},
            returned={"mother_id": "与身份证不符"},
            materials=[pb.DeferredMaterial(field="lease_contract_no", steps=["licence"])],
            commitments=[cpb.Commitment(name="no_debts", status=cpb.Commitment.BROKEN, text_zh="企业无债权债务",
                                        text_en="The company has no debts", finding="尚欠税款")])
        self.application.due_at.FromSeconds(1_800_000_000)
        self.application.materials[0].due_at.FromSeconds(1_790_000_000)

    async def get_form(self, bundle, token):
        self._call("get_form", token)
        return FORM

    async def supplement(self, application_id, values, token):
        self._call("supplement", token)
        self.supplemented.append(dict(values))
        return self.application


class FakeFrontDesk:
    def __init__(self):
        self.calls: list[tuple] = []
        self.failures: dict[str, errors.ApiError] = {}

    def _call(self, *call):
        self.calls.append(call)
        if call[0] in self.failures:
            raise self.failures[call[0]]

    async def list_queue(self, token, page_size, page_token=""):
        self._call("list", token)
        queued = fpb.QueuedApplication(application_id=APPLICATION_ID, bundle="newborn", returns=1)
        queued.queued_at.FromSeconds(1_700_000_000)
        return fpb.ListQueueResponse(applications=[queued], total=1)

    async def accept(self, application_id, token):
        self._call("accept", token, application_id)
        return pb.Application(application_id=application_id, status=pb.Application.IN_PROGRESS)

    async def return_for_correction(self, application_id, reasons, token):
        self._call("return", token, application_id, dict(reasons))
        return pb.Application(application_id=application_id, status=pb.Application.RETURNED)


@pytest.fixture
def api():
    return PracticeApplications()


@pytest.fixture
def desk():
    return FakeFrontDesk()


@pytest.fixture
def client(tmp_path, api, desk):
    with TestClient(create_app(settings(tmp_path), api=api, clock=Clock(), cases=FakeCases(), front_desk=desk),
                    follow_redirects=False) as client:
        yield client


def test_the_form_marks_a_field_that_may_follow_and_asks_each_commitment(client, api):
    sign_in(client, resident_id=MOTHER)
    page = client.get("/apply/newborn").text
    field = page[page.index('data-field="lease_contract_no"'):]
    assert "data-deferrable" in field[:800] and "3 天" in field[:800], "may follow within 3 days"
    assert 'name="commitment.no_debts" value="accepted"' in page and "企业无债权债务" in page and "清税证明" in page
    for named in [(FieldViolation("form.commitment.no_debts", "not accepted"),),
                  (FieldViolation("form.mother_id", "required"),)]:  # checked by the API once the shape is right
        api.failures["submit"] = errors.InvalidFields("bad", named)
        page = client.post("/apply/newborn", data={"csrf_token": form_csrf(client, "/apply/newborn")})
        assert page.status_code == 400
        assert page.text.count('href="#field-commitment-no_debts"') == 1 and "请勾选作出承诺" in page.text
    del api.failures["submit"]
    client.post("/apply/newborn", data={"csrf_token": form_csrf(client, "/apply/newborn"), "mother_id": MOTHER,
                                        "commitment.no_debts": "accepted", "commitment.other": "accepted"})
    assert api.submitted[-1] == {"mother_id": MOTHER, "commitment.no_debts": "accepted"}, "only the form's commitments"


def test_the_application_page_says_what_is_awaited_and_why_and_the_time_limit(client):
    sign_in(client, resident_id=MOTHER)
    client.cookies.set("lang", "en")
    page = client.get(f"/applications/{APPLICATION_ID}").text
    assert "Returned for correction (time limit paused)" in page
    assert re.search(r'data-awaited-field="mother_id">.*returned by the front desk: 与身份证不符', page)
    assert re.search(r'data-awaited-field="lease_contract_no">.*a material you committed to supply by 2026-', page)
    assert "data-paused>26 hours" in page and "data-due-at>2027-" in page
    assert 'data-commitment-status="BROKEN"' in page and "The company has no debts" in page and "尚欠税款" in page
    form = page[page.index("data-supplement-form"):]
    assert set(re.findall(r'data-field="(\w+)"', form)) == {"mother_id", "lease_contract_no"}


def test_a_supplement_sends_only_awaited_fields_and_shows_the_apis_errors_in_place(client, api):
    sign_in(client, resident_id=MOTHER)
    path = f"/applications/{APPLICATION_ID}"
    api.failures["supplement"] = errors.InvalidFields("bad", (FieldViolation("form.mother_id", "required"),))
    page = client.post(f"{path}/supplement", data={"csrf_token": form_csrf(client, path), "lease_contract_no": "ZL-1"})
    assert page.status_code == 400 and 'href="#field-mother_id"' in page.text and 'value="ZL-1"' in page.text
    del api.failures["supplement"]
    done = client.post(f"{path}/supplement", data={"csrf_token": form_csrf(client, path), "lease_contract_no": "ZL-1",
                                                   "mother_id": MOTHER, "child_name": "not awaited"})
    assert done.status_code == 303 and done.headers["location"] == path
    assert api.supplemented[-1] == {"lease_contract_no": "ZL-1", "mother_id": MOTHER}
    assert client.post(f"{path}/supplement", data={"lease_contract_no": "x"}).status_code == 403, "CSRF"
    empty = client.post(f"{path}/supplement", data={"csrf_token": form_csrf(client, path), "mother_id": " "})
    assert empty.status_code == 400 and 'href="#field-mother_id"' in empty.text
    assert 'href="#field-lease_contract_no"' in empty.text
    assert len(api.supplemented) == 1, "nothing entered, nothing sent"


def test_the_front_desk_lists_its_queue_accepts_and_returns_with_a_reason_per_field(client, api, desk):
    sign_in(client, department="front_desk")
    api.application = pb.Application(application_id=APPLICATION_ID, bundle="newborn",
                                     status=pb.Application.AWAITING_ACCEPTANCE)
    queue = client.get("/front-desk").text
    assert f'href="/front-desk/{APPLICATION_ID}"' in queue and 'data-queue-total="1"' in queue
    case = f"/front-desk/{APPLICATION_ID}"
    page = client.get(case).text
    assert "data-accept" in page and 'name="return.mother_id"' in page and 'name="return.lease_contract_no"' in page
    empty = client.post(f"{case}/return", data={"csrf_token": form_csrf(client, case), "return.mother_id": ""})
    assert empty.status_code == 400 and "data-error-summary" in empty.text
    assert not [c for c in desk.calls if c[0] == "return"], "nothing sent without a reason"
    returned = client.post(f"{case}/return", data={"csrf_token": form_csrf(client, case),
                                                   "return.mother_id": "与身份证不符", "return.lease_contract_no": ""})
    assert returned.status_code == 303 and desk.calls[-1][2:] == (APPLICATION_ID, {"mother_id": "与身份证不符"})
    accepted = client.post(f"{case}/accept", data={"csrf_token": form_csrf(client, case)})
    assert accepted.status_code == 303 and desk.calls[-1][0] == "accept" and desk.calls[-1][1], "the officer's token"
    desk.failures["accept"] = errors.Conflict("not queued")
    assert client.post(f"{case}/accept", data={"csrf_token": form_csrf(client, case)}).status_code == 409


@pytest.mark.parametrize("who, status", [({"resident_id": MOTHER}, 403), ({"department": "tax"}, 404),
                                         ({"role": "operator", "department": ""}, 403)])
def test_nobody_but_the_front_desk_gets_its_pages(client, desk, who, status):
    sign_in(client, **who)
    assert client.get("/front-desk").status_code == status
    assert client.get(f"/front-desk/{APPLICATION_ID}").status_code == status
    assert client.post(f"/front-desk/{APPLICATION_ID}/accept", data={}).status_code == status
    assert desk.calls == [], "nothing asked of the front desk"


def test_an_item_an_officer_returned_under_its_steps_own_name_shows_the_departments_reason(client, api):
    api.application = pb.Application(
        application_id=APPLICATION_ID, bundle="newborn", status=pb.Application.IN_PROGRESS,
        awaited={"lease_contract_no": "returned by tax"},
        steps=[pb.Step(id="tax_registration", department="tax", action="register_taxpayer", status=pb.Step.RETURNED,
                       returned_inputs={"premises_proof_no": "合同已过期"})])
    sign_in(client, resident_id=MOTHER)
    page = client.get(f"/applications/{APPLICATION_ID}").text
    assert re.search(r'data-awaited-field="lease_contract_no">.*税务.*退回补正：合同已过期', page)


class EndingApplications(PracticeApplications):
    def __init__(self):
        super().__init__()
        self.application = pb.Application(application_id=APPLICATION_ID, bundle="newborn",
                                          status=pb.Application.IN_PROGRESS)
        self.rated: list[tuple] = []

    async def withdraw(self, application_id, reason, token):
        self.calls.append(("withdraw", application_id, reason))
        self._call("withdraw", token)
        return self.application

    async def rate(self, application_id, level, comment, token):
        self.calls.append(("rate", application_id, level, comment))
        self._call("rate", token)
        return pb.Rating(application_id=application_id, level=level, comment=comment)


def test_a_withdrawal_needs_a_reason_and_a_confirmation_then_a_rating_once_ended(tmp_path):
    api = EndingApplications()
    with TestClient(create_app(settings(tmp_path), api=api, clock=Clock(), cases=FakeCases(),
                               front_desk=FakeFrontDesk()), follow_redirects=False) as client:
        sign_in(client, resident_id=MOTHER)
        path = f"/applications/{APPLICATION_ID}"
        page = client.get(path).text
        assert "data-withdraw-form" in page and "data-rate-form" not in page, "not ended: withdraw, no rating"
        refused = client.post(f"{path}/withdraw", data={"csrf_token": form_csrf(client, path), "withdraw_reason": "x"})
        assert refused.status_code == 400 and 'href="#field-withdraw_confirm"' in refused.text
        assert not [c for c in api.calls if c[0] == "withdraw"], "nothing sent unconfirmed"
        done = client.post(f"{path}/withdraw", data={"csrf_token": form_csrf(client, path), "withdraw_reason": "不办了",
                                                     "withdraw_confirm": "yes"})
        assert done.status_code == 303 and api.calls[-1] == ("withdraw", APPLICATION_ID, "不办了")

        api.application.status = pb.Application.WITHDRAWN
        page = client.get(path).text
        assert "data-withdraw-form" not in page and "data-rate-form" in page and "非常满意" in page
        empty = client.post(f"{path}/rate", data={"csrf_token": form_csrf(client, path), "rating_comment": "ok"})
        assert empty.status_code == 400 and 'href="#field-rating_level"' in empty.text and ">ok</textarea>" in empty.text
        rated = client.post(f"{path}/rate", data={"csrf_token": form_csrf(client, path), "rating_level": "DISSATISFIED",
                                                  "rating_comment": "太慢"})
        assert rated.status_code == 303 and api.calls[-1] == ("rate", APPLICATION_ID, pb.DISSATISFIED, "太慢")
        api.failures["rate"] = errors.Conflict("rated already")
        again = client.post(f"{path}/rate", data={"csrf_token": form_csrf(client, path), "rating_level": "SATISFIED"})
        assert again.status_code == 400 and "您已评价过此申请" in again.text
        client.post("/sign-in", data={"csrf_token": form_csrf(client, "/sign-in"), "kind": "resident_id",
                                      "resident_id": MOTHER, "person_role": "agent"})
        assert "data-rate-form" not in client.get(path).text, "an agent does not rate"
        assert client.post(f"{path}/rate", data={"csrf_token": form_csrf(client, path),
                                                 "rating_level": "SATISFIED"}).status_code == 403
