"""Watch: each event comes with the application's status after it."""
import datetime as dt

import pytest

from lifeevents.v1 import applications_pb2 as pb
from saga.coordinator import Coordinator
from saga.entrypoints.grpc_api import ApplicationsServicer
from tests.support.fakes import RecordingBus, shipped_bundles

NOW = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.timezone.utc)
STARTUP = {"company_name": "青岛栈桥文化传媒有限公司", "company_type": "limited_company", "area_code": "370202",
           "registered_address": "青岛", "registered_capital": "300000", "legal_rep_id": "370202199205140022",
           "legal_rep_name": "李秀英"}


class OpenContext:
    def is_active(self):
        return True


@pytest.fixture
def coordinator():
    app = Coordinator(shipped_bundles(), RecordingBus(), clock=lambda: NOW, env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    yield app
    app.close()


def test_events_during_compensation_are_reported_compensating(coordinator):
    application_id = coordinator.submit("startup", STARTUP)
    [registration] = coordinator.bus.sent
    coordinator.record_result(application_id, registration.step, registration.command_id, True,
                              {"credit_code": "91370202000000019Q", "licence_no": "1"})
    parallel = {d.step: d for d in coordinator.bus.sent[1:]}
    coordinator.record_result(application_id, "tax_registration", parallel["tax_registration"].command_id, False, {},
                              "arrears")
    for step in ("seals", "social_insurance", "medical_insurance", "housing_fund"):  # in flight at the refusal
        coordinator.record_result(application_id, step, parallel[step].command_id, True, {"n": "1"})
    while coordinator.get_application(application_id).status == "COMPENSATING":
        undo = coordinator.bus.sent[-1]
        coordinator.record_result(application_id, undo.step, undo.command_id, True, {"ok": "1"})

    events = list(ApplicationsServicer(coordinator).Watch(pb.WatchRequest(application_id=str(application_id)),
                                                          OpenContext()))
    statuses = [(e.type, e.step, pb.Application.Status.Name(e.status)) for e in events]
    started = [e.type for e in events].index("CompensationStarted")
    assert {status for _, _, status in statuses[:started]} == {"IN_PROGRESS"}
    assert {status for _, _, status in statuses[started:-1]} == {"COMPENSATING"}, statuses[started:]
    assert ("StepCompleted", "seals", "COMPENSATING") in statuses, "an answer that arrives during compensation"
    assert statuses[-1] == ("Rejected", "", "REJECTED")
