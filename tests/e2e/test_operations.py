"""The Operations API and the `lifeevents` CLI against the running suite: a timeline, a replay to
an earlier version or moment, a rebuild with progress, listings from the read models, masked
personal data, and refusals that name the field. The CLI mints its tokens from the suite's
development key, as it does for `make run`."""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import grpc
import pytest

from deploy.sample_forms import newborn_form
from lifeevents.client import bad_request_fields
from lifeevents.v1 import applications_pb2 as pb
from lifeevents.v1 import operations_pb2 as ops

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def completed(applicant):
    application_id = applicant.submit(newborn_form())
    assert applicant.settle(application_id).status == pb.Application.COMPLETED
    return application_id


def cli(running_suite, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "LIFEEVENTS_TOKEN"}
    return subprocess.run([sys.executable, "-m", "lifeevents.cli", "--address",
                           running_suite.coordinator_address, *args], capture_output=True, text=True, timeout=120,
                          env={**environment, "LIFEEVENTS_DATA_DIR": str(running_suite.data_dir), **env})


def test_the_cli_shows_a_timeline_replays_to_version_2_and_rebuilds_with_a_progress_bar(running_suite, completed):
    timeline = cli(running_suite, "timeline", completed, "--reason", "ticket 4711: the mother asks about her card")
    assert timeline.returncode == 0, timeline.stderr
    lines = timeline.stdout.splitlines()
    assert lines[0] == f"newborn {completed}" and "Submitted" in lines[3] and "Completed" in lines[-1]

    replay = cli(running_suite, "--json", "replay", completed, "--version", "2", "--reason", "ticket 4711")
    state = json.loads(replay.stdout)
    assert int(state["version"]) == 2 and state["status"] == "IN_PROGRESS"  # int64 is a string in JSON
    assert [s["status"] for s in state["steps"]].count("DISPATCHED") == 1

    rebuild = cli(running_suite, "rebuild")
    assert rebuild.returncode == 0, rebuild.stderr
    assert "[########################################]" in rebuild.stderr
    assert rebuild.stdout.startswith("rebuilt the read models from ")


def test_history_masks_every_personal_item_and_names_the_department(operator, completed, applicant):
    history = operator.GetHistory(ops.GetHistoryRequest(application_id=completed, reason="ticket 4711"))
    submitted = history.events[0]
    assert submitted.type == "Submitted" and "370202********0022" in submitted.payload_json
    payloads = "".join(e.payload_json for e in history.events)
    form = json.loads(submitted.payload_json)["form"]
    assert (form["mother_name"], form["contact_phone"], form["birth_hospital"]) == ("李*英", "138****0001", "青岛市妇女儿童医院")
    child = applicant.get(completed)
    personal = [child.steps[0].inputs["child_name"], child.steps[0].inputs["mother_id"],
                next(s for s in child.steps if s.id == "household_registration").result["household_address"],
                next(s for s in child.steps if s.id == "household_registration").result["child_id"]]
    assert not [item for item in personal if item in payloads]
    assert {e.department for e in history.events if e.type == "StepCompleted"} == {
        "health", "civil_registration", "medical_insurance", "social_security"}


def test_replay_at_a_moment_gives_the_state_then(operator, admin, completed):
    history = operator.GetHistory(ops.GetHistoryRequest(application_id=completed, reason="ticket 4711"))
    third = history.events[2]
    request = ops.ReplayRequest(application_id=completed, reason="ticket 4711")
    request.at.CopyFrom(third.occurred_at)
    assert admin.Replay(request).version == 3
    before = ops.ReplayRequest(application_id=completed, reason="ticket 4711")
    before.at.FromDatetime(dt.datetime(2020, 1, 1))
    with pytest.raises(grpc.RpcError) as err:
        admin.Replay(before)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "at" in bad_request_fields(err.value)


def test_listing_reads_the_projection_and_pages(operator, completed):
    first = operator.ListApplications(ops.ListApplicationsRequest(bundle="newborn", status="COMPLETED", page_size=1))
    assert first.total >= 1 and len(first.applications) == 1
    everything = operator.ListApplications(ops.ListApplicationsRequest(bundle="newborn", page_size=500))
    assert completed in {a.application_id for a in everything.applications}
    with pytest.raises(grpc.RpcError) as err:
        operator.ListApplications(ops.ListApplicationsRequest(status="DONE"))
    assert bad_request_fields(err.value).keys() == {"status"}


def test_statistics_report_durations_and_the_reductions_against_the_baseline(operator, completed):
    [newborn] = operator.GetStatistics(ops.GetStatisticsRequest(bundle="newborn")).bundles
    assert newborn.by_status["COMPLETED"] >= 1 and newborn.durations.count >= 1
    assert {s.step for s in newborn.steps} >= {"birth_certificate", "medical_insurance"}
    reductions = {r.measure: r for r in newborn.reductions}
    assert (reductions["steps"].separately, reductions["steps"].bundled) == (10, 1)
    assert reductions["promised_days"].reduction_percent == pytest.approx(100 * 27 / 32)


def test_a_step_action_needs_a_reason_and_a_wrong_token_is_refused(operator, completed):
    with pytest.raises(grpc.RpcError) as err:
        operator.RetryStep(ops.StepActionRequest(application_id=completed, step="medical_insurance"))
    assert bad_request_fields(err.value).keys() == {"reason"}
    with pytest.raises(grpc.RpcError) as err:
        operator.SkipStep(ops.StepActionRequest(application_id=completed, step="medical_insurance", reason="x"))
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    with pytest.raises(grpc.RpcError) as err:
        operator.stub.ListApplications(ops.ListApplicationsRequest(), metadata=(("authorization", "Bearer nope"),))
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_the_cli_lists_department_queues(running_suite, completed):
    queue = cli(running_suite, "queue", "--department", "health")
    assert queue.returncode == 0, queue.stderr
    assert "pending per department:" in queue.stdout.splitlines()[-1]
