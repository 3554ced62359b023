"""告知承诺 on the officers' case page against fake ports: the applicant's commitments are shown with
their state; an officer of the verifying department records a finding (a CSRF form: holds or not, what
was found, both required, the finding at most 1000 characters) with their own token; an officer of
another department sees no form and the API's refusal is the 403 page."""
from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from lifeevents.v1 import applications_pb2 as pb
from lifeevents.v1 import commitments_pb2 as cpb
from web import api as errors
from web.app import create_app
from tests.unit.test_web_pages import APPLICATION_ID, MOTHER, Clock, FakeApplications, settings
from tests.unit.test_web_worklist import FakeCases, form_csrf, sign_in

CASE = f"/cases/{APPLICATION_ID}"
FINDING = f"{CASE}/findings/no_debts"


class FakeCommitments:
    def __init__(self):
        self.calls: list[tuple] = []
        self.failure: errors.ApiError | None = None

    async def record_finding(self, application_id, commitment, holds, finding, token):
        self.calls.append((application_id, commitment, holds, finding, token))
        if self.failure:
            raise self.failure
        return cpb.Commitment(name=commitment, status=cpb.Commitment.VERIFIED if holds else cpb.Commitment.BROKEN)


@pytest.fixture
def findings():
    return FakeCommitments()


@pytest.fixture
def client(tmp_path, findings):
    api = FakeApplications()
    api.application = pb.Application(
        application_id=APPLICATION_ID, bundle="newborn", status=pb.Application.IN_PROGRESS,
        commitments=[cpb.Commitment(name="no_debts", status=cpb.Commitment.MADE, text_zh="企业无债权债务",
                                    text_en="No debts", verified_by="market_regulation.verify_no_debts")])
    with TestClient(create_app(settings(tmp_path), api=api, clock=Clock(), cases=FakeCases(), commitments=findings),
                    follow_redirects=False) as client:
        yield client


def test_the_verifying_departments_officer_records_a_finding_with_their_token(client, findings):
    sign_in(client, department="market_regulation")
    page = client.get(CASE).text
    assert 'data-commitment-status="MADE"' in page and "企业无债权债务" in page and "data-finding-form" in page
    empty = client.post(FINDING, data={"csrf_token": form_csrf(client, CASE), "finding": " "})
    assert empty.status_code == 400 and 'href="#field-finding-no_debts-holds"' in empty.text
    assert 'href="#field-finding-no_debts-finding"' in empty.text and findings.calls == []
    too_long = client.post(FINDING, data={"csrf_token": form_csrf(client, CASE), "holds": "no", "finding": "x" * 1001})
    assert too_long.status_code == 400 and 'value="no" checked' in too_long.text and findings.calls == []
    done = client.post(FINDING, data={"csrf_token": form_csrf(client, CASE), "holds": "no", "finding": "尚欠税款"})
    assert done.status_code == 303 and done.headers["location"] == CASE
    application_id, name, holds, finding, token = findings.calls[-1]
    assert (application_id, name, holds, finding) == (APPLICATION_ID, "no_debts", False, "尚欠税款") and token


def test_another_departments_officer_has_no_form_and_the_apis_refusal_is_a_page(client, findings):
    sign_in(client, department="tax")
    assert "data-finding-form" not in client.get(CASE).text
    findings.failure = errors.Forbidden("another department")
    refused = client.post(FINDING, data={"csrf_token": form_csrf(client, CASE), "holds": "yes", "finding": "ok"})
    assert refused.status_code == 403
    sign_in(client, resident_id=MOTHER)
    assert client.post(FINDING, data={"holds": "yes", "finding": "ok"}).status_code == 403, "a citizen"
    assert len(findings.calls) == 1
