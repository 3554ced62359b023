"""The operators' gRPC API (lifeevents.v1.Operations), on the coordinator's port: parse the request,
call one use case or query (saga/queries.py), answer in protobuf.

Every call needs `authorization: Bearer <token>` of an operator or (for replay, rebuild, what-if
and the access-log check) an admin (saga/domain/access.py: check_may_operate); the caller's subject
goes on every change made through it. An application's history or replay needs a stated reason and
is recorded in its principals' data-access logs; every personal item in it is masked.
"""
from __future__ import annotations

import datetime as dt
import functools
from typing import Any, Callable

import grpc

from lifeevents.identity import Principal, TokenVerifier
from lifeevents.privacy import mask_resident_id
from lifeevents.v1 import operations_pb2 as ops
from lifeevents.v1 import operations_pb2_grpc as ops_grpc
from saga.coordinator import Coordinator
from saga.domain.access import OperatorAction, Purpose, Sight, SightKind, check_may_operate
from saga.domain.statuses import ApplicationStatus
from saga.entrypoints import requests
from saga.entrypoints.aftercare_api import FollowUpMethods
from saga.entrypoints.applications_api import application_message
from saga.entrypoints.auth import authenticated
from saga.entrypoints.errors import abort, domain_errors, invalid, refusals
from saga.queries import Queries

# The most rows a listing answers with.
MAX_PAGE, MAX_PENDING, MAX_DEAD_LETTERS = 500, 5000, 5000


OPERATOR_SIGHT = Sight(SightKind.OPERATOR, masked=True, details_masked=True)  # every personal item masked


def operator_call(action: OperatorAction) -> Callable:
    """An authenticated call whose caller's role must allow the action."""
    return authenticated(permits=functools.partial(check_may_operate, action=action))


def _when(target, iso: str | None) -> None:
    if iso:
        target.FromDatetime(dt.datetime.fromisoformat(iso))


class OperationsServicer(FollowUpMethods, ops_grpc.OperationsServicer):  # follow-ups: aftercare_api.py
    def __init__(self, coordinator: Coordinator, queries: Queries, dead_letters, verifier: TokenVerifier):
        self.coordinator, self.queries, self.dead_letters, self.verifier = coordinator, queries, dead_letters, verifier

    @operator_call(OperatorAction.LIST)
    def ListApplications(self, request, context, caller: Principal):
        with refusals(context):
            requests.each(lambda: requests.check_length("bundle", request.bundle),
                          lambda: requests.check_length("department", request.department),
                          lambda: requests.non_negative("page_size", request.page_size))
            offset = requests.page_offset(request.page_token)
        if request.status and request.status not in ApplicationStatus.__members__:
            invalid(context, "unknown status", "status", f"one of {', '.join(ApplicationStatus)}")
        size = min(request.page_size or 50, MAX_PAGE)
        rows, total = self.queries.applications(request.bundle, request.status, request.department,
                                                request.overdue_only, size, offset)
        response = ops.ListApplicationsResponse(total=total, next_page_token=str(offset + size)
                                                if offset + size < total else "")
        for row in rows:
            message = response.applications.add(
                application_id=row["application_id"], bundle=row["bundle"], status=row["status"],
                overdue=bool(row["overdue"]), version=row["version"],
                pending_steps=sorted(row["pending_steps"].split(",")) if row["pending_steps"] else [])
            _when(message.submitted_at, row["submitted_at"])
            _when(message.settled_at, row["settled_at"])
        return response

    @operator_call(OperatorAction.PENDING)
    def ListPendingSteps(self, request, context, caller: Principal):
        with refusals(context):
            requests.each(lambda: requests.check_length("department", request.department),
                          lambda: requests.non_negative("limit", request.limit))
        steps, per_department = self.queries.pending_steps(request.department, request.overdue_only,
                                                           min(request.limit or 500, MAX_PENDING))
        response = ops.ListPendingStepsResponse(per_department=per_department)
        for row in steps:
            step = response.steps.add(application_id=row["application_id"], step=row["step"],
                                      department=row["department"])
            _when(step.since, row["since"])
            _when(step.overdue_since, row["overdue_since"])
        return response

    @operator_call(OperatorAction.HISTORY)
    def GetHistory(self, request, context, caller: Principal):
        application = self._opened(request.application_id, request.reason, Purpose.HISTORY, context, caller)
        history = ops.History(application_id=str(application.id), bundle=application.bundle)
        for entry in self.queries.history(application):
            message = history.events.add(version=entry.version, type=entry.type, step=entry.step,
                                         department=entry.department, payload_json=entry.payload_json,
                                         operator=entry.operator)
            message.occurred_at.FromDatetime(entry.occurred_at)
        return history

    @operator_call(OperatorAction.REPLAY)
    def Replay(self, request, context, caller: Principal):
        which = request.WhichOneof("as_of")
        if which == "at":
            with refusals(context):
                requests.moment("at", request.at)
        application = self._opened(request.application_id, request.reason, Purpose.REPLAY, context, caller)
        with domain_errors(context):
            replayed = self.queries.as_of(application, version=request.version if which == "version" else None,
                                          at=request.at.ToDatetime(dt.timezone.utc) if which == "at" else None)
        return application_message(replayed, OPERATOR_SIGHT, self.queries.personal_data(application))

    @operator_call(OperatorAction.REBUILD)
    def RebuildProjections(self, request, context, caller: Principal):
        for progress in self.queries.rebuild():
            yield ops.RebuildProgress(applied=progress.applied, total=progress.total, seconds=progress.seconds,
                                      done=progress.done)

    @operator_call(OperatorAction.RETRY)
    def RetryStep(self, request, context, caller: Principal):
        return self._step_action(request, context, caller.subject, self.coordinator.retry_step)

    @operator_call(OperatorAction.SKIP)
    def SkipStep(self, request, context, caller: Principal):
        return self._step_action(request, context, caller.subject, self.coordinator.skip_step)

    @operator_call(OperatorAction.DEAD_LETTERS)
    def ListDeadLetters(self, request, context, caller: Principal):
        with refusals(context):
            requests.non_negative("limit", request.limit)
        letters = self.dead_letters.list(limit=min(request.limit or 1000, MAX_DEAD_LETTERS))
        return ops.ListDeadLettersResponse(dead_letters=[ops.DeadLetter(**vars(letter)) for letter in letters])

    @operator_call(OperatorAction.DEAD_LETTERS)
    def RequeueDeadLetter(self, request, context, caller: Principal):
        with refusals(context):
            message_id = requests.token("message_id", request.message_id.strip(), required_=True)
        if not self.dead_letters.requeue(message_id):
            abort(context, grpc.StatusCode.NOT_FOUND, f"no dead letter {message_id}",
                  [("message_id", "not in the dead-letter queue")])
        return ops.RequeueDeadLetterResponse(requeued=True)

    @operator_call(OperatorAction.STATISTICS)
    def GetStatistics(self, request, context, caller: Principal):
        with refusals(context):
            requests.check_length("bundle", request.bundle)
        with domain_errors(context):
            figures = self.queries.statistics(request.bundle)
        statistics = ops.Statistics()
        for bundle in figures:
            message = statistics.bundles.add(bundle=bundle.bundle, by_status=bundle.by_status,
                                             durations=ops.Durations(**bundle.durations))
            for step, durations in bundle.steps.items():
                message.steps.add(step=step, durations=ops.Durations(**durations))
            for r in bundle.reductions:
                message.reductions.add(measure=r.measure, separately=r.separately, bundled=r.bundled,
                                       reduction_percent=r.percent)
            if figures := bundle.proactive:
                message.proactive_share = figures["proactive_share"]
                message.typed_fields_median.update(figures["typed_fields_median"])
                message.event_to_last_result.CopyFrom(ops.Durations(**figures["event_to_last_result"]))
                message.offers_made, message.offers_expired = figures["offers_made"], figures["offers_expired"]
                message.offers_declined = figures["offers_declined"]
            if figures := bundle.ratings:
                message.ratings.update(figures["ratings"])
                for department, levels in sorted(figures["department_ratings"].items()):
                    message.department_ratings.add(department=department, ratings=levels)
                for name in ("follow_ups_open", "follow_ups_closed", "follow_ups_overdue", "rectification_rate"):
                    setattr(message, name, figures[name])
        return statistics

    @operator_call(OperatorAction.WHAT_IF)
    def WhatIf(self, request, context, caller: Principal):
        if len(request.bundle_yaml.encode("utf-8")) > requests.LIMITS["bundle_yaml"]:
            invalid(context, "the bundle definition is too large", "bundle_yaml",
                    f"at most {requests.LIMITS['bundle_yaml']} bytes")
        application = self._application(request.application_id, context)
        with domain_errors(context):
            result = self.queries.what_if(application, request.bundle_yaml)
        return ops.WhatIfResponse(recorded_status=result.recorded_status, what_if_status=result.what_if_status,
                                  recorded_path=result.recorded_path, what_if_path=result.what_if_path,
                                  differences=result.differences)

    @operator_call(OperatorAction.VERIFY_ACCESS_LOG)
    def VerifyAccessLog(self, request, context, caller: Principal):
        result = self.queries.verify_access_logs()
        response = ops.AccessLogVerification(chains=result.chains, entries=result.entries, intact=result.broken is None)
        if result.broken is not None:
            response.broken.CopyFrom(ops.BrokenLink(subject=mask_resident_id(result.broken.subject),
                                                    position=result.broken.position, problem=result.broken.problem))
        return response

    def _application(self, application_id: str, context):
        with refusals(context):
            application_id = requests.application_id(application_id)
        with domain_errors(context):
            return self.queries.application(application_id)

    def _opened(self, application_id: str, reason: str, purpose: Purpose, context, caller: Principal):
        """The application for an operator's read of its personal data: a stated reason, recorded."""
        with refusals(context):
            application_id, reason = requests.each(lambda: requests.application_id(application_id),
                                                   lambda: requests.required("reason", reason))
        with domain_errors(context):
            application, _ = self.coordinator.open_application(application_id, purpose, reason, caller=caller)
        return application

    def _step_action(self, request, context, operator: str, act: Callable[..., Any]):
        with refusals(context):
            step, reason = requests.each(lambda: requests.required("step", request.step),
                                         lambda: requests.required("reason", request.reason))
        application = self._application(request.application_id, context)
        with domain_errors(context):
            changed = act(request.application_id, step, operator, reason)
        return application_message(changed, OPERATOR_SIGHT, self.queries.personal_data(application))
