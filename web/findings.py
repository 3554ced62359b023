"""告知承诺 in the officers' web: an officer of the department that verifies a commitment records what
they found (lifeevents.v1.Commitments/RecordFinding, on the coordinator's channel, with the officer's
token) from the application's case page (/cases/<id>); a false one revokes the application."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Protocol

import grpc

from lifeevents.v1 import applications_pb2 as pb
from lifeevents.v1 import commitments_pb2 as cpb
from lifeevents.v1 import commitments_pb2_grpc as cpb_grpc
from web.api import GrpcPort
from web.i18n import Translator
from web.practices import CommitmentItem
from web.progress import field_time

MAX_FINDING = 1000
OPEN = (cpb.Commitment.MADE, cpb.Commitment.VERIFYING)


class CommitmentsPort(Protocol):
    async def record_finding(self, application_id: str, commitment: str, holds: bool, finding: str,
                             token: str) -> cpb.Commitment: ...


class GrpcCommitments(GrpcPort):
    service = "Commitments"

    def __init__(self, channel: grpc.aio.Channel):
        super().__init__(cpb_grpc.CommitmentsStub(channel))

    async def record_finding(self, application_id: str, commitment: str, holds: bool, finding: str,
                             token: str) -> cpb.Commitment:
        request = cpb.RecordFindingRequest(application_id=application_id, commitment=commitment, holds=holds,
                                           finding=finding)
        return await self._unary("RecordFinding", request, token)


@dataclass
class FindingView(CommitmentItem):  # a commitment as its applicant sees it, and the officer's form
    mine: bool    # the officer's department verifies it and it is still open: the form is shown
    error: dict[str, str]
    entered: dict[str, str]


def finding_views(application: pb.Application, department: str, t: Translator,
                  errors: Mapping[str, Mapping[str, str]] | None = None,
                  entered: Mapping[str, Mapping[str, str]] | None = None) -> list[FindingView]:
    zh = t.language == "zh"
    views = []
    for c in application.commitments:
        status = cpb.Commitment.Status.Name(c.status)
        views.append(FindingView(
            name=c.name, text=c.text_zh if zh else (c.text_en or c.text_zh), status=status,
            status_label=t.maybe(f"commitment.status.{status}", status),
            verify_at=field_time(c, "verify_at"),
            finding=c.finding, mine=c.verified_by.partition(".")[0] == department and c.status in OPEN,
            error=dict((errors or {}).get(c.name, {})), entered=dict((entered or {}).get(c.name, {}))))
    return views


def check_finding(holds: str, finding: str, t: Translator) -> dict[str, str]:
    errors = {}
    if holds not in ("yes", "no"):
        errors["holds"] = t("finding.error.holds")
    if not finding:
        errors["finding"] = t("finding.error.finding")
    elif len(finding) > MAX_FINDING:
        errors["finding"] = t("worklist.error.too_long", maximum=MAX_FINDING)
    return errors
