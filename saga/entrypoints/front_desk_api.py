"""The front desk's gRPC API (lifeevents.v1.FrontDesk, 前台受理): the queue of applications waiting for
acceptance, Accept and Return, for officers of the front desk only (saga/domain/access.py
`check_front_desk`); held to the door's limits, one use case each (saga/practices.py)."""
from __future__ import annotations

from lifeevents.identity import Principal, TokenVerifier
from lifeevents.v1 import front_desk_pb2 as pb
from lifeevents.v1 import front_desk_pb2_grpc as pb_grpc
from saga.coordinator import Coordinator
from saga.entrypoints import requests
from saga.entrypoints.applications_api import MAX_PAGE, _page, application_message
from saga.entrypoints.auth import authenticated
from saga.entrypoints.errors import domain_errors, refusals
from saga.practices import FRONT_DESK_SIGHT
from saga.queries import Queries


class FrontDeskServicer(pb_grpc.FrontDeskServicer):
    def __init__(self, coordinator: Coordinator, queries: Queries, verifier: TokenVerifier):
        self.coordinator, self.queries, self.verifier = coordinator, queries, verifier

    def _answer(self, application):
        return application_message(application, FRONT_DESK_SIGHT, self.queries.personal_data(application))

    @authenticated
    def ListQueue(self, request, context, caller: Principal):
        with refusals(context):
            requests.check_length("bundle", request.bundle)
        size, offset = _page(context, request.page_size, request.page_token)
        with domain_errors(context):
            queued, total = self.coordinator.front_desk_queue(self.queries, request.bundle, min(size, MAX_PAGE),
                                                              offset, caller=caller)
        response = pb.ListQueueResponse(total=total,
                                        next_page_token=str(offset + size) if offset + size < total else "")
        for application in queued:
            item = response.applications.add(application_id=str(application.id), bundle=application.bundle,
                                              returns=application.acceptance.returns if application.acceptance else 0)
            item.submitted_at.FromDatetime(application.submitted_at)
            if application.acceptance is not None:
                item.queued_at.FromDatetime(application.acceptance.queued_at)
            item.due_at.FromDatetime(application.due_at)
        return response

    @authenticated
    def Accept(self, request, context, caller: Principal):
        with refusals(context):
            application_id = requests.application_id(request.application_id)
        with domain_errors(context):
            return self._answer(self.coordinator.accept(application_id, caller=caller))

    @authenticated
    def Return(self, request, context, caller: Principal):
        with refusals(context):
            application_id = requests.application_id(request.application_id)
            reasons = dict(request.reasons)
        with domain_errors(context):
            return self._answer(self.coordinator.return_case(application_id, reasons, caller=caller))
