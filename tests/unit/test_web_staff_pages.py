"""The staff's pages against fake ports: officers see what Get shows them (their department's
steps with their inputs), only operators and admins reach the dashboard, only admins its admin
tools; retry and skip need a reason; a history is read with one; the statistics are SVG charts
carrying their figures as text."""
from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from lifeevents.v1 import applications_pb2 as pb
from lifeevents.v1 import operations_pb2 as ops
from web import api as errors
from web.app import create_app
from tests.unit.test_web_pages import (APPLICATION_ID, MOTHER, Clock, api,  # noqa: F401 (a fixture)
                                      csrf_of, settings)


class FakeOperations:
    """The Operations port with answers set by the test; it records every call."""

    def __init__(self):
        self.calls: list[tuple] = []
        self.failures: dict[str, errors.ApiError] = {}
        self.statistics = ops.Statistics(bundles=[ops.BundleStatistics(
            bundle="newborn", by_status={"COMPLETED": 7, "FAILED": 1},
            durations=ops.Durations(count=8, median_s=0.4, p90_s=95.0),
            steps=[ops.StepStatistics(step="birth_certificate", durations=ops.Durations(count=8, median_s=0.1, p90_s=0.2))],
            reductions=[ops.Reduction(measure="steps", separately=10, bundled=1, reduction_percent=90),
                        ops.Reduction(measure="visits", separately=4, bundled=1, reduction_percent=75)])])
        self.dead = [ops.DeadLetter(message_id="m-1", type="StepCommand", application_id=APPLICATION_ID,
                                    step="medical_insurance", department="medical_insurance",
                                    error="enrolment register offline", deliveries=6)]

    def _call(self, name, *args):
        self.calls.append((name, *args))
        if name in self.failures:
            raise self.failures[name]

    async def list_applications(self, token, bundle="", status="", department="", overdue_only=False, page_size=20,
                                page_token=""):
        self._call("list_applications", bundle, status, department, overdue_only, page_token)
        return ops.ListApplicationsResponse(total=1, applications=[ops.ApplicationRow(
            application_id=APPLICATION_ID, bundle="newborn", status="FAILED", pending_steps=["medical_insurance"])])

    async def list_pending_steps(self, token, department="", overdue_only=False, limit=100):
        self._call("list_pending_steps", overdue_only)
        return ops.ListPendingStepsResponse(per_department={"health": 2}, steps=[ops.PendingStep(
            application_id=APPLICATION_ID, step="birth_certificate", department="health")])

    async def get_history(self, application_id, reason, token):
        self._call("get_history", application_id, reason)
        return ops.History(application_id=application_id, bundle="newborn", events=[
            ops.HistoryEvent(version=1, type="Submitted", payload_json='{"mother_id": "370202********0022"}'),
            ops.HistoryEvent(version=9, type="StepDeadLettered", step="medical_insurance")])

    async def replay(self, application_id, reason, token, version=0, at=None):
        self._call("replay", application_id, reason, version, at)
        return pb.Application(application_id=application_id, bundle="newborn", status=pb.Application.IN_PROGRESS,
                              version=version)

    async def retry_step(self, application_id, step, reason, token):
        self._call("retry_step", application_id, step, reason)
        return pb.Application(application_id=application_id, bundle="newborn", status=pb.Application.IN_PROGRESS,
                              steps=[pb.Step(id=step, status=pb.Step.DISPATCHED)])

    async def skip_step(self, application_id, step, reason, token):
        self._call("skip_step", application_id, step, reason)
        return pb.Application(application_id=application_id, bundle="newborn", status=pb.Application.COMPLETED)

    async def list_dead_letters(self, token, limit=100):
        self._call("list_dead_letters")
        return self.dead

    async def requeue_dead_letter(self, message_id, token):
        self._call("requeue_dead_letter", message_id)
        return True

    async def get_statistics(self, token, bundle=""):
        self._call("get_statistics")
        return self.statistics

    async def rebuild_projections(self, token):
        self._call("rebuild_projections")
        return ops.RebuildProgress(applied=120, total=120, done=True, seconds=0.5)

    async def verify_access_log(self, token):
        self._call("verify_access_log")
        return ops.AccessLogVerification(chains=3, entries=40, intact=True)


@pytest.fixture
def operations():
    return FakeOperations()


@pytest.fixture
def client(tmp_path, api, operations):
    with TestClient(create_app(settings(tmp_path), api=api, operations=operations, clock=Clock()),
                    follow_redirects=False) as client:
        yield client


def sign_in_staff(client, role: str, department: str = "") -> None:
    response = client.post("/sign-in", data={"csrf_token": csrf_of(client), "kind": "staff", "role": role,
                                             "department": department})
    assert response.status_code == 303


def test_an_officer_sees_the_steps_the_api_shows_with_their_inputs(client, api):
    sign_in_staff(client, "officer", "health")
    assert "输入申请编号" in client.get("/cases").text
    assert client.get(f"/cases?application={APPLICATION_ID}").headers["location"] == f"/cases/{APPLICATION_ID}"
    assert client.get("/cases?application=370202199205140022").status_code == 400
    page = client.get(f"/cases/{APPLICATION_ID}").text
    assert 'data-step="birth_certificate"' in page and "出生医学证明" in page
    assert "所需信息" in page and "母亲身份证号" in page and MOTHER in page and "王小明" in page
    api.failures["get"] = errors.NotFound("no such application")
    assert client.get(f"/cases/{APPLICATION_ID}").status_code == 404


@pytest.mark.parametrize("who", [("citizen", ""), ("officer", "health")])
def test_only_operators_and_admins_reach_the_dashboard(client, operations, who):
    if who[0] == "citizen":
        client.post("/sign-in", data={"csrf_token": csrf_of(client), "kind": "resident_id", "resident_id": MOTHER})
    else:
        sign_in_staff(client, *who)
    for path in ("/operations", "/operations/dead-letters", "/operations/statistics", "/operations/admin"):
        assert client.get(path).status_code == 403, path
    assert operations.calls == []


def test_an_operator_sees_the_dashboard_but_not_the_admin_tools(client, operations):
    sign_in_staff(client, "operator")
    page = client.get("/operations").text
    assert "1 </span>" not in page and 'data-card="overdue"' in page and 'data-card="COMPLETED"' in page
    assert "data-admin-link" not in page and "管理员工具" not in page
    assert client.get("/operations/admin").status_code == 403
    csrf = csrf_of(client, "/operations")
    assert client.post("/operations/admin/rebuild", data={"csrf_token": csrf}).status_code == 403
    assert client.post(f"/operations/applications/{APPLICATION_ID}/replay",
                       data={"csrf_token": csrf, "version": "2", "replay_reason": "x"}).status_code == 403
    assert ("rebuild_projections",) not in operations.calls


def test_applications_are_listed_with_the_filters_kept(client, operations):
    sign_in_staff(client, "operator")
    page = client.get("/operations/applications?status=FAILED&bundle=newborn&department=tax&overdue=1&x=1").text
    assert ("list_applications", "newborn", "FAILED", "tax", True, "") in operations.calls
    assert f'data-application="{APPLICATION_ID}"' in page and 'value="FAILED" selected' in page
    client.get("/operations/applications?status=DROP TABLE&bundle=nope")
    assert operations.calls[-1] == ("list_applications", "", "", "", False, "")


def test_retrying_a_dead_lettered_step_needs_a_reason_and_says_what_happened(client, operations):
    sign_in_staff(client, "operator")
    page = client.get("/operations/dead-letters").text
    link = f"/operations/applications/{APPLICATION_ID}/steps/medical_insurance"
    assert "enrolment register offline" in page and f'href="{link}"' in page
    csrf = csrf_of(client, link)
    missing = client.post(link, data={"csrf_token": csrf, "action": "retry", "reason": "  "})
    assert missing.status_code == 400 and 'href="#field-reason"' in missing.text and "请填写理由" in missing.text
    assert not [c for c in operations.calls if c[0] == "retry_step"]
    done = client.post(link, data={"csrf_token": csrf, "action": "retry", "reason": "register back online"})
    assert done.status_code == 200 and "已重新发送环节 medical_insurance" in done.text
    assert ("retry_step", APPLICATION_ID, "medical_insurance", "register back online") in operations.calls
    operations.failures["skip_step"] = errors.Conflict("a later step needs its results")
    refused = client.post(link, data={"csrf_token": csrf, "action": "skip", "reason": "no"})
    assert refused.status_code == 400 and "a later step needs its results" in refused.text


def test_a_history_is_read_only_with_a_stated_reason(client, operations):
    sign_in_staff(client, "operator")
    page = client.get(f"/operations/applications/{APPLICATION_ID}").text
    assert "data-history-form" in page and "data-replay-form" not in page
    csrf = csrf_of(client, f"/operations/applications/{APPLICATION_ID}")
    path = f"/operations/applications/{APPLICATION_ID}/history"
    assert client.post(path, data={"csrf_token": csrf, "reason": ""}).status_code == 400
    assert not [c for c in operations.calls if c[0] == "get_history"]
    page = client.post(path, data={"csrf_token": csrf, "reason": "ticket 4711"}).text
    assert ("get_history", APPLICATION_ID, "ticket 4711") in operations.calls
    assert "370202********0022" in page and 'data-step-link="medical_insurance"' in page


def test_an_admin_replays_rebuilds_and_verifies(client, operations):
    sign_in_staff(client, "admin")
    assert "data-admin-link" in client.get("/operations").text
    csrf = csrf_of(client, f"/operations/applications/{APPLICATION_ID}")
    path = f"/operations/applications/{APPLICATION_ID}/replay"
    missing = client.post(path, data={"csrf_token": csrf, "version": "", "replay_reason": ""})
    assert missing.status_code == 400 and 'href="#field-version"' in missing.text
    page = client.post(path, data={"csrf_token": csrf, "version": "2", "replay_reason": "ticket 9"}).text
    assert ("replay", APPLICATION_ID, "ticket 9", 2, None) in operations.calls and "回放：版本 2" in page
    client.post(path, data={"csrf_token": csrf, "at": "2026-11-18T10:00", "replay_reason": "ticket 9"})
    assert operations.calls[-1][-1].isoformat() == "2026-11-18T10:00:00+08:00"
    assert "120/120" in client.post("/operations/admin/rebuild", data={"csrf_token": csrf}).text
    assert "完好：3 条记录链，共 40 条记录" in client.post("/operations/admin/verify-access-log",
                                                        data={"csrf_token": csrf}).text


def test_the_statistics_are_svg_charts_with_their_figures_as_text(client):
    sign_in_staff(client, "operator")
    page = client.get("/operations/statistics").text
    charts = re.findall(r"<svg .*?</svg>", page, re.S)
    assert len(charts) == 4, "by status, durations, reductions of newborn, its steps"
    assert all('role="img"' in chart and "<title id=" in chart and "<desc id=" in chart for chart in charts)
    reductions = next(c for c in charts if 'data-chart="reductions-newborn"' in c)
    assert "办理环节：减少 90%" in reductions and ">10</text>" in reductions and ">1</text>" in reductions
    assert "跑动次数：减少 75%" in reductions
    durations = next(c for c in charts if 'data-chart="durations"' in c)
    assert "400 毫秒" in durations and "1.6 分钟" in durations
    assert page.count("<script") == 1 and '<script src="/static/app.js"' in page, "no chart library"
