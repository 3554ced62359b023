"""Steps of the operators' features: replay, rebuild of the read side, retry of a failed step."""
from __future__ import annotations

import json
from pathlib import Path

from pytest_bdd import given, parsers, then, when

from deploy.sample_forms import new_company_form, newborn_form
from lifeevents.v1 import applications_pb2 as pb
from lifeevents.v1 import operations_pb2 as ops
from tests.support.controls import wipe_read_models
from tests.support.polling import eventually


# -- replay ----------------------------------------------------------------------------------------
REASON = "ticket 4711: the applicant asks what happened"
# The newborn steps' inputs that are personal data: resident IDs, names, the phone, the address.
PERSONAL_INPUTS = {"mother_id", "mother_name", "father_id", "father_name", "child_name", "child_id", "guardian_id",
                   "contact_phone", "mailing_address"}


@when(parsers.parse("an admin replays it to version {version:d}, stating a reason"), target_fixture="replayed")
def replays_to(admin, application, version):
    return admin.Replay(ops.ReplayRequest(application_id=application.application_id, version=version, reason=REASON))


@then(parsers.parse("the replayed application is {status} with only {step_id} DISPATCHED"))
def replayed_state(replayed, status, step_id):
    assert pb.Application.Status.Name(replayed.status) == status
    assert [s.id for s in replayed.steps if s.status == pb.Step.DISPATCHED] == [step_id]
    assert all(s.status == pb.Step.PENDING for s in replayed.steps if s.id != step_id)


@then("replayed to its last version it is what Get reports, every personal item masked")
def replay_matches_get(admin, applicant, application):
    current = applicant.get(application.application_id)
    replayed = admin.Replay(ops.ReplayRequest(application_id=current.application_id, version=current.version,
                                              reason=REASON))
    assert [(s.id, s.status, s.sends, s.settled_at) for s in replayed.steps] == \
        [(s.id, s.status, s.sends, s.settled_at) for s in current.steps]
    assert (replayed.status, replayed.version, replayed.submitted_at) == (current.status, current.version,
                                                                         current.submitted_at)
    seen = {s.id: s for s in replayed.steps}
    for step in current.steps:
        for name, value in step.inputs.items():
            masked = seen[step.id].inputs[name]
            if name in PERSONAL_INPUTS:
                assert masked != value and "*" in masked, (step.id, name, masked)
            else:
                assert masked == value, (step.id, name, masked)
    assert seen["birth_certificate"].inputs["mother_id"] == "370202********0022"


# -- rebuild ---------------------------------------------------------------------------------------
def views(operator) -> tuple:
    listing = operator.ListApplications(ops.ListApplicationsRequest(page_size=500))
    return listing, operator.GetStatistics(ops.GetStatisticsRequest())


@given("applications of two bundles have been handled", target_fixture="handled")
def two_bundles_handled(applicant):
    ids = [applicant.submit(newborn_form(), bundle="newborn"), applicant.submit(new_company_form(), bundle="startup")]
    for application_id in ids:
        assert applicant.settle(application_id).status == pb.Application.COMPLETED
    return ids


@given("an operator has noted the application listing and the statistics", target_fixture="noted")
def noted_views(operator, handled):
    return views(operator)


@when("the read side is wiped")
def wipe_read_side(running_suite):
    wipe_read_models(Path(running_suite.settings["LIFEEVENTS_DATA_DIR"]))


@then("the listing no longer shows them")
def listing_empty(operator, handled):
    listing = operator.ListApplications(ops.ListApplicationsRequest(page_size=500))
    assert not {a.application_id for a in listing.applications} & set(handled)


@when("an admin rebuilds the projections")
def rebuild(admin):
    progress = list(admin.RebuildProjections(ops.RebuildProjectionsRequest()))
    assert progress[-1].done and progress[-1].applied == progress[-1].total > 0


@then("the listing and the statistics are identical to the noted ones")
def identical_views(operator, noted):
    assert views(operator) == noted


# -- retry -----------------------------------------------------------------------------------------
@when(parsers.parse('the fault is repaired and an operator retries {step_id} because "{reason}"'))
def repaired_and_retried(fault_rules, operator, application, step_id, reason):
    fault_rules.clear()
    operator.RetryStep(ops.StepActionRequest(application_id=application.application_id, step=step_id, reason=reason))


@then(parsers.parse("the application is {status} in the end"), target_fixture="application")
def in_the_end(applicant, application, status):
    def ended() -> pb.Application:
        current = applicant.get(application.application_id)
        assert pb.Application.Status.Name(current.status) == status, current
        return current

    return eventually(ended, timeout=30)


@then(parsers.parse('its history shows the retry by operator "{name}" because "{reason}"'))
def retry_in_history(operator, application, name, reason):
    history = operator.GetHistory(ops.GetHistoryRequest(application_id=application.application_id, reason=REASON))
    [retry] = [e for e in history.events if e.type == "StepRetried"]
    assert retry.operator == name and json.loads(retry.payload_json)["reason"] == reason
