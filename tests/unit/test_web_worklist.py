"""A department's worklist in the web against a fake Cases port: the officer's start page lists the
open cases (overdue flagged, who holds each), a case shows its inputs only once the officer holds
it, each action is a CSRF-protected form calling the department with the officer's token, a reject
needs a reason and a return at least one, another officer's claim or decision meanwhile is said
plainly (409), and nobody but the department's officers gets a worklist page."""
from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from lifeevents.departments.v1 import cases_pb2 as cpb
from lifeevents.v1 import applications_pb2 as pb
from web import api as errors
from web.app import create_app
from tests.unit.test_web_pages import APPLICATION_ID, MOTHER, Clock, FakeApplications, csrf_of, settings

CASE_ID = "0b7e3c52-7d7a-4c8e-9d0e-3e2f1a4b5c6d"
ME = "dev-officer-health"


class FakeCases:
    """The Cases port: one case of health's worklist, changed as the department would; every call recorded."""

    def __init__(self):
        self.calls: list[tuple] = []
        self.failures: dict[str, errors.ApiError] = {}
        self.case = cpb.Case(case_id=CASE_ID, application_id=APPLICATION_ID, bundle="newborn",
                             step="birth_certificate", action="issue_birth_certificate", state=cpb.Case.OPEN,
                             reasons=["birth_hospital in 家中"], overdue=True)
        self.case.opened_at.FromSeconds(1_700_000_000)

    def _call(self, name, department, token, *args):
        self.calls.append((name, department, token, *args))
        if name in self.failures:
            raise self.failures[name]

    def _held(self, department, token):
        self.case.state, self.case.claimed_by = cpb.Case.CLAIMED, ME
        held = cpb.Case()
        held.CopyFrom(self.case)
        held.inputs.update({"mother_id": MOTHER, "child_name": "王小明"})
        return held

    async def list(self, department, token, page_size, page_token=""):
        self._call("list", department, token, page_token)
        return cpb.ListCasesResponse(cases=[self.case], total=1)

    async def claim(self, department, case_id, token):
        self._call("claim", department, token, case_id)
        return self._held(department, token)

    async def _decide(self, department, token, outcome, **fields):
        held = self._held(department, token)
        held.state, held.decided_by, held.outcome = cpb.Case.DECIDED, ME, outcome
        for name, value in fields.items():
            getattr(held, name).update(value) if isinstance(value, dict) else setattr(held, name, value)
        return held

    async def approve(self, department, case_id, token):
        self._call("approve", department, token, case_id)
        return await self._decide(department, token, "completed", outputs={"birth_certificate_no": "Q260000001"})

    async def reject(self, department, case_id, reason, token):
        self._call("reject", department, token, case_id, reason)
        return await self._decide(department, token, "refused", reason=reason)

    async def return_for_correction(self, department, case_id, reasons, token):
        self._call("return", department, token, case_id, dict(reasons))
        return await self._decide(department, token, "returned", returned_inputs=dict(reasons))


@pytest.fixture
def cases():
    return FakeCases()


@pytest.fixture
def client(tmp_path, cases):
    with TestClient(create_app(settings(tmp_path), api=FakeApplications(), clock=Clock(), cases=cases),
                    follow_redirects=False) as client:
        yield client


def sign_in(client, role="officer", department="health", resident_id="") -> None:
    data = ({"kind": "resident_id", "resident_id": resident_id} if resident_id else
            {"kind": "staff", "role": role, "department": department})
    assert client.post("/sign-in", data={"csrf_token": csrf_of(client), **data}).status_code == 303


def form_csrf(client, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def test_the_start_page_lists_the_open_cases_with_the_officers_token(client, cases):
    sign_in(client)
    page = client.get("/cases").text
    assert f'data-case="{CASE_ID}"' in page and "data-overdue" in page and "未认领" in page
    assert "出生医学证明" in page and "已超期" in page
    name, department, token, _ = cases.calls[-1]
    assert (name, department) == ("list", "health") and token, "the officer's own token"
    assert MOTHER not in page, "the list shows nobody's data"


def test_a_case_shows_its_inputs_only_once_claimed_and_approving_shows_the_decision(client, cases):
    sign_in(client)
    page = client.get(f"/worklist/{CASE_ID}").text
    assert "data-claim" in page and MOTHER not in page and "birth_hospital in 家中" in page
    csrf = form_csrf(client, f"/worklist/{CASE_ID}")
    assert client.post(f"/worklist/{CASE_ID}/claim", data={"csrf_token": "forged"}).status_code == 403
    claimed = client.post(f"/worklist/{CASE_ID}/claim", data={"csrf_token": csrf})
    assert claimed.headers["location"] == f"/worklist/{CASE_ID}"
    page = client.get(f"/worklist/{CASE_ID}").text
    assert MOTHER in page and "data-approve" in page and "（您）" in page
    decided = client.post(f"/worklist/{CASE_ID}/approve", data={"csrf_token": csrf})
    assert decided.status_code == 200 and 'data-decision="completed"' in decided.text
    assert "Q260000001" in decided.text and ME in decided.text


def test_a_reject_needs_a_reason_and_a_return_at_least_one_item(client, cases):
    sign_in(client)
    csrf = form_csrf(client, f"/worklist/{CASE_ID}")
    client.post(f"/worklist/{CASE_ID}/claim", data={"csrf_token": csrf})
    refused = client.post(f"/worklist/{CASE_ID}/reject", data={"csrf_token": csrf, "reason": "  "})
    assert refused.status_code == 400 and "请填写不予批准的理由" in refused.text and 'href="#field-reason"' in refused.text
    none = client.post(f"/worklist/{CASE_ID}/return", data={"csrf_token": csrf, "return.mother_id": "",
                                                            "return.child_name": ""})
    assert none.status_code == 400 and "请至少为一项信息写明需要补正的原因" in none.text
    assert not [c for c in cases.calls if c[0] in ("reject", "return")], "nothing sent"
    returned = client.post(f"/worklist/{CASE_ID}/return", data={"csrf_token": csrf, "return.mother_id": "",
                                                                "return.child_name": "与出生医学证明不一致"})
    assert 'data-decision="returned"' in returned.text and "与出生医学证明不一致" in returned.text
    assert cases.calls[-1][-1] == {"child_name": "与出生医学证明不一致"}
    rejected = client.post(f"/worklist/{CASE_ID}/reject", data={"csrf_token": csrf, "reason": "材料不全"})
    assert 'data-decision="refused"' in rejected.text and "材料不全" in rejected.text


def test_a_field_the_department_refuses_is_shown_at_its_field(client, cases):
    sign_in(client)
    csrf = form_csrf(client, f"/worklist/{CASE_ID}")
    client.post(f"/worklist/{CASE_ID}/claim", data={"csrf_token": csrf})
    cases.failures["reject"] = errors.InvalidFields("reason: control characters", (
        errors.FieldViolation("reason", "no control characters"),))
    page = client.post(f"/worklist/{CASE_ID}/reject", data={"csrf_token": csrf, "reason": "x"})
    assert page.status_code == 400 and "no control characters" in page.text and 'id="field-reason-error"' in page.text


@pytest.mark.parametrize("message, kind", [("case 1 was decided meanwhile", "case_decided"),
                                           ("case 1 is claimed by another officer (li)", "case_claimed")])
def test_another_officers_claim_or_decision_meanwhile_is_said_plainly(client, cases, message, kind):
    sign_in(client)
    csrf = form_csrf(client, f"/worklist/{CASE_ID}")
    cases.failures["approve"] = errors.Conflict(message)
    page = client.post(f"/worklist/{CASE_ID}/approve", data={"csrf_token": csrf})
    assert page.status_code == 409 and f'data-error-page="{kind}"' in page.text and 'href="/cases"' in page.text


def test_nobody_but_the_departments_officers_gets_a_worklist_page(client, cases):
    sign_in(client, resident_id=MOTHER)
    assert client.get(f"/worklist/{CASE_ID}").status_code == 403
    assert client.get("/cases").status_code == 403
    sign_in(client, department="front_desk")
    assert client.get(f"/worklist/{CASE_ID}").status_code == 404
    assert "data-worklist" not in client.get("/cases").text
    sign_in(client, department="tax")
    cases.case.case_id = "11111111-2222-4333-8444-555555555555"  # tax's worklist holds another case
    assert client.get(f"/worklist/{CASE_ID}").status_code == 404
    assert client.get("/worklist/not-a-case").status_code == 404
    assert all(call[0] == "list" for call in cases.calls), "no claim, no decision"


def test_the_applicants_page_shows_since_when_an_officer_has_a_step_who_decided_and_what_to_correct(tmp_path):
    api = FakeApplications()
    with_officer = pb.Step(id="birth_certificate", department="health", action="issue_birth_certificate",
                           status=pb.Step.WITH_OFFICER, officer="li-0042")
    with_officer.with_officer_since.FromSeconds(1_700_000_000)
    returned = pb.Step(id="vaccination_record", department="health", action="open_vaccination_record",
                       status=pb.Step.RETURNED, decided_by="li-0042", reason="returned for correction by li-0042",
                       returned_inputs={"child_name": "与出生医学证明不一致"})
    api.application = pb.Application(application_id=APPLICATION_ID, bundle="newborn", status=pb.Application.IN_PROGRESS,
                                     steps=[with_officer, returned])
    with TestClient(create_app(settings(tmp_path), api=api, clock=Clock(), cases=FakeCases()),
                    follow_redirects=False) as client:
        sign_in(client, resident_id=MOTHER)
        page = client.get(f"/applications/{APPLICATION_ID}").text
    assert "自 2023-11-15 06:13:20 起由工作人员审核" in page
    assert 'data-decided-by="li-0042"' in page and "决定人：工作人员 li-0042" in page
    assert "新生儿姓名</dt><dd>与出生医学证明不一致" in page, "each input to correct by its label, with the reason"
    assert "returned for correction by" not in page, "the per-field reasons, not the coordinator's summary"
