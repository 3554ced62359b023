"""The commitments API (lifeevents.v1.Commitments): an officer's finding on a commitment (告知承诺),
and the commitments as the Applications API shows them (GetForm's terms, Get's commitments)."""
from __future__ import annotations

from lifeevents.identity import Principal, TokenVerifier
from lifeevents.v1 import commitments_pb2 as pb
from lifeevents.v1 import commitments_pb2_grpc as pb_grpc
from saga.domain.bundle import Bundle
from saga.domain.commitments import CommitmentState
from saga.entrypoints import requests
from saga.entrypoints.auth import authenticated
from saga.entrypoints.errors import domain_errors, refusals

def terms_messages(bundle: Bundle) -> list[pb.CommitmentTerms]:
    return [pb.CommitmentTerms(
        name=c.name, form_key=c.form_key, text_zh=c.text.zh, text_en=c.text.en,
        replaces_zh=c.replaces.zh if c.replaces else "", replaces_en=c.replaces.en if c.replaces else "",
        allows=c.allows, verified_by=f"{c.verify.department}.{c.verify.action}",
        verify_after_seconds=int(c.after.total_seconds()) if c.after else 0) for c in bundle.commitments]


def commitment_message(state: CommitmentState) -> pb.Commitment:
    message = pb.Commitment(
        name=state.name, status=pb.Commitment.Status.Value(state.status), text_zh=state.text.get("zh", ""),
        text_en=state.text.get("en", ""), verified_by=f"{state.verify.department}.{state.verify.action}",
        finding=state.finding, found_by=state.found_by, refusals=state.refusals, allows=state.allows,
        recorded=state.record is not None and state.record.answered and not state.record.reason)
    for name in ("made_at", "verify_at", "settled_at"):
        if (moment := getattr(state, name)) is not None:
            getattr(message, name).FromDatetime(moment)
    return message


class CommitmentsServicer(pb_grpc.CommitmentsServicer):
    def __init__(self, coordinator, verifier: TokenVerifier):
        self.coordinator, self.verifier = coordinator, verifier

    @authenticated
    def RecordFinding(self, request, context, caller: Principal):
        with refusals(context):
            application_id = requests.application_id(request.application_id)
            commitment = requests.required("commitment", request.commitment)
            finding = requests.required("finding", request.finding)
        with domain_errors(context):
            application = self.coordinator.record_finding(application_id, commitment, request.holds, finding,
                                                          caller=caller)
        return commitment_message(application.commitments[commitment])
