"""Watch: each event comes with the application's status after it."""
from lifeevents.v1 import applications_pb2 as pb
from saga.entrypoints.applications_api import ApplicationsServicer
from tests.support.fakes import MOTHER, STARTUP_FORM
from tests.support.identity import CallContext, LocalTokens


def test_events_during_compensation_are_reported_compensating(coordinator, bus, wiring, tmp_path):
    application_id = coordinator.submit("startup", STARTUP_FORM, caller=MOTHER)
    [registration] = bus.sent
    coordinator.record_result(application_id, registration.step, registration.command_id, True,
                              {"credit_code": "91370202000000019Q", "licence_no": "1"})
    parallel = {d.step: d for d in bus.sent[1:]}
    coordinator.record_result(application_id, "tax_registration", parallel["tax_registration"].command_id, False, {},
                              "arrears")
    for step in ("seals", "social_insurance", "medical_insurance", "housing_fund"):  # in flight at the refusal
        coordinator.record_result(application_id, step, parallel[step].command_id, True, {"n": "1"})
    while coordinator.get_application(application_id).status == "COMPENSATING":
        undo = bus.sent[-1]
        coordinator.record_result(application_id, undo.step, undo.command_id, True, {"ok": "1"})

    tokens = LocalTokens(tmp_path)
    servicer = ApplicationsServicer(coordinator, wiring.queries, tokens.verifier())
    events = list(servicer.Watch(pb.WatchRequest(application_id=str(application_id)),
                                 CallContext(tokens.citizen(MOTHER.subject))))
    statuses = [(e.type, e.step, pb.Application.Status.Name(e.status)) for e in events]
    started = [e.type for e in events].index("CompensationStarted")
    assert {status for _, _, status in statuses[:started]} == {"IN_PROGRESS"}
    assert {status for _, _, status in statuses[started:-1]} == {"COMPENSATING"}, statuses[started:]
    assert ("StepCompleted", "seals", "COMPENSATING") in statuses, "an answer that arrives during compensation"
    assert statuses[-1] == ("Rejected", "", "REJECTED")
