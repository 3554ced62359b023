"""The operators' gRPC API (lifeevents.v1.Operations), on the coordinator's port.

Every call needs `authorization: Bearer <token>`; the token names the operator, whose name goes
on every change made through it. Errors are gRPC statuses naming the offending field.
"""
from __future__ import annotations

import datetime as dt
import functools
import json
import re
import time
import uuid
from typing import Any, Callable, Mapping

import grpc

from lifeevents.v1 import operations_pb2 as ops
from lifeevents.v1 import operations_pb2_grpc as ops_grpc
from saga.adapters.read_models import ReadModels
from saga.coordinator import ApplicationNotFound, Coordinator
from saga.domain.bundles import BASELINE_MEASURES, Bundle, BundleDefinitionError
from saga.domain.model import OperatorActionRefused, UnknownStep
from saga.domain.what_if import what_if
from saga.entrypoints.grpc_api import _abort, application_message

_RESIDENT_ID = re.compile(r"(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?!\d)")
_STATUSES = ("IN_PROGRESS", "COMPENSATING", "COMPLETED", "REJECTED", "FAILED")


def mask_identity_numbers(text: str) -> str:
    """370202199205140022 -> 370202********0022: enough to tell people apart, not to reuse."""
    return _RESIDENT_ID.sub(lambda m: f"{m.group(1)}********{m.group(2)}", text)


def parse_operator_tokens(setting: str) -> dict[str, str]:
    """"alice:token1,bob:token2" -> {token: operator}."""
    tokens = {}
    for entry in filter(None, (e.strip() for e in setting.split(","))):
        name, _, token = entry.partition(":")
        if not name or not token:
            raise ValueError(f"LIFEEVENTS_OPERATOR_TOKENS: {entry!r} is not name:token")
        tokens[token] = name
    return tokens


def operator_call(method: Callable) -> Callable:
    """Authenticate the caller; the method gets the operator's name after the request and context."""
    @functools.wraps(method)
    def wrapper(self, request, context):
        metadata = dict(context.invocation_metadata())
        scheme, _, token = metadata.get("authorization", "").partition(" ")
        operator = self.tokens.get(token) if scheme.lower() == "bearer" else None
        if operator is None:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "an operator credential is required: "
                                                           "metadata 'authorization: Bearer <token>'")
        return method(self, request, context, operator)
    return wrapper


class OperationsServicer(ops_grpc.OperationsServicer):
    def __init__(self, coordinator: Coordinator, read_models: ReadModels, projections: list, dead_letters,
                 tokens: Mapping[str, str], parse_definition: Callable[[str], Bundle]):
        self.coordinator, self.read_models, self.projections = coordinator, read_models, projections
        self.dead_letters, self.tokens, self.parse_definition = dead_letters, dict(tokens), parse_definition

    @operator_call
    def ListApplications(self, request, context, operator):
        if request.status and request.status not in _STATUSES:
            _abort(context, grpc.StatusCode.INVALID_ARGUMENT, "unknown status",
                   [("status", f"one of {', '.join(_STATUSES)}")])
        if request.page_size < 0:
            _abort(context, grpc.StatusCode.INVALID_ARGUMENT, "bad page size", [("page_size", "at least 0")])
        try:
            offset = int(request.page_token or 0)
        except ValueError:
            _abort(context, grpc.StatusCode.INVALID_ARGUMENT, "bad page token",
                   [("page_token", "a token from an earlier page")])
        size = min(request.page_size or 50, 500)
        self.read_models.follow(self.coordinator.recorder, self.coordinator.mapper)  # read what is recorded
        rows, total = self.read_models.applications(request.bundle, request.status, request.department,
                                                    request.overdue_only, size, offset)
        response = ops.ListApplicationsResponse(total=total, next_page_token=str(offset + size)
                                                if offset + size < total else "")
        for row in rows:
            message = response.applications.add(
                application_id=row["application_id"], bundle=row["bundle"], status=row["status"],
                overdue=bool(row["overdue"]), version=row["version"],
                pending_steps=sorted((row["pending_steps"] or "").split(",")) if row["pending_steps"] else [])
            message.submitted_at.FromDatetime(dt.datetime.fromisoformat(row["submitted_at"]))
            if row["settled_at"]:
                message.settled_at.FromDatetime(dt.datetime.fromisoformat(row["settled_at"]))
        return response

    @operator_call
    def ListPendingSteps(self, request, context, operator):
        self.read_models.follow(self.coordinator.recorder, self.coordinator.mapper)
        response = ops.ListPendingStepsResponse(per_department=self.read_models.pending_per_department())
        for row in self.read_models.pending_steps(request.department, request.overdue_only,
                                                  min(request.limit or 500, 5000)):
            step = response.steps.add(application_id=row["application_id"], step=row["step"],
                                      department=row["department"])
            step.since.FromDatetime(dt.datetime.fromisoformat(row["since"]))
            if row["overdue_since"]:
                step.overdue_since.FromDatetime(dt.datetime.fromisoformat(row["overdue_since"]))
        return response

    @operator_call
    def GetHistory(self, request, context, operator):
        application = self._application(request.application_id, context)
        departments = {s.id: s.department for s in application.steps.values()}
        history = ops.History(application_id=str(application.id), bundle=application.bundle)
        for event in self.coordinator.history(application.id):
            fields = {k: v for k, v in vars(event).items() if k not in ("originator_id", "originator_version",
                                                                          "timestamp")}
            step = fields.get("step", "")
            message = history.events.add(
                version=event.originator_version, type=type(event).__name__, step=step,
                department=fields.get("department") or departments.get(step, ""),
                payload_json=mask_identity_numbers(json.dumps(fields, ensure_ascii=False, default=str,
                                                              sort_keys=True)),
                operator=fields.get("operator", ""))
            message.occurred_at.FromDatetime(event.timestamp)
        return history

    @operator_call
    def Replay(self, request, context, operator):
        application = self._application(request.application_id, context)
        which = request.WhichOneof("as_of")
        if which == "version":
            if not 1 <= request.version <= application.version:
                _abort(context, grpc.StatusCode.INVALID_ARGUMENT, "no such version",
                       [("version", f"between 1 and {application.version}")])
            version = request.version
        elif which == "at":
            at = request.at.ToDatetime(dt.timezone.utc)
            versions = [e.originator_version for e in self.coordinator.history(application.id) if e.timestamp <= at]
            if not versions:
                _abort(context, grpc.StatusCode.INVALID_ARGUMENT, "the application did not exist yet",
                       [("at", f"not before {application.submitted_at.isoformat()}")])
            version = versions[-1]
        else:
            version = application.version
        return application_message(self.coordinator.get_application(application.id, version=version))

    @operator_call
    def RebuildProjections(self, request, context, operator):
        total = self.coordinator.recorder.max_notification_id() or 0
        started = time.perf_counter()
        for projection in self.projections:
            progress: list[int] = []
            projection.rebuild(self.coordinator.recorder, self.coordinator.mapper, progress.append)
            for applied in progress[::max(1, len(progress) // 20)] + progress[-1:]:
                yield ops.RebuildProgress(applied=applied, total=total, seconds=time.perf_counter() - started)
        yield ops.RebuildProgress(applied=total, total=total, done=True, seconds=time.perf_counter() - started)

    @operator_call
    def RetryStep(self, request, context, operator):
        return self._step_action(request, context, operator, self.coordinator.retry_step)

    @operator_call
    def SkipStep(self, request, context, operator):
        return self._step_action(request, context, operator, self.coordinator.skip_step)

    @operator_call
    def ListDeadLetters(self, request, context, operator):
        letters = self.dead_letters.list(limit=request.limit or 1000)
        return ops.ListDeadLettersResponse(dead_letters=[ops.DeadLetter(**vars(letter)) for letter in letters])

    @operator_call
    def RequeueDeadLetter(self, request, context, operator):
        if not request.message_id.strip():
            _abort(context, grpc.StatusCode.INVALID_ARGUMENT, "which dead letter?", [("message_id", "required")])
        if not self.dead_letters.requeue(request.message_id.strip()):
            _abort(context, grpc.StatusCode.NOT_FOUND, f"no dead letter {request.message_id}",
                   [("message_id", "not in the dead-letter queue")])
        return ops.RequeueDeadLetterResponse(requeued=True)

    @operator_call
    def GetStatistics(self, request, context, operator):
        bundles = [b for b in self.coordinator.bundles if not request.bundle or b.id == request.bundle]
        if not bundles:
            _abort(context, grpc.StatusCode.NOT_FOUND, f"no bundle {request.bundle}", [("bundle", "unknown bundle")])
        self.read_models.follow(self.coordinator.recorder, self.coordinator.mapper)
        statistics = ops.Statistics()
        for bundle in bundles:
            figures = self.read_models.statistics(bundle.id)
            message = statistics.bundles.add(bundle=bundle.id, by_status=figures["by_status"],
                                             durations=ops.Durations(**figures["durations"]))
            for step, durations in figures["steps"].items():
                message.steps.add(step=step, durations=ops.Durations(**durations))
            bundled = bundle.bundled()
            for measure in BASELINE_MEASURES:
                if measure in bundle.baseline:
                    before, after = bundle.baseline[measure], bundled[measure]
                    message.reductions.add(measure=measure, separately=before, bundled=after,
                                           reduction_percent=100 * (before - after) / before if before else 0.0)
        return statistics

    @operator_call
    def WhatIf(self, request, context, operator):
        application = self._application(request.application_id, context)
        try:
            other = self.parse_definition(request.bundle_yaml)
        except BundleDefinitionError as err:
            _abort(context, grpc.StatusCode.INVALID_ARGUMENT, "the bundle definition has problems",
                   [("bundle_yaml", problem) for problem in err.problems])
        if other.id != application.bundle:
            _abort(context, grpc.StatusCode.INVALID_ARGUMENT, "another bundle",
                   [("bundle_yaml", f"defines {other.id}, the application is {application.bundle}")])
        result = what_if(application, self.coordinator.history(application.id), other)
        return ops.WhatIfResponse(recorded_status=result.recorded_status, what_if_status=result.what_if_status,
                                  recorded_path=result.recorded_path, what_if_path=result.what_if_path,
                                  differences=result.differences)

    # -- helpers -----------------------------------------------------------------------
    def _application(self, application_id: str, context):
        try:
            uuid.UUID(application_id)
            return self.coordinator.read_application(application_id)
        except ValueError:
            _abort(context, grpc.StatusCode.INVALID_ARGUMENT, "application_id is not a UUID",
                   [("application_id", f"{application_id!r} is not a UUID")])
        except ApplicationNotFound:
            _abort(context, grpc.StatusCode.NOT_FOUND, f"no application {application_id}",
                   [("application_id", "no such application")])

    def _step_action(self, request, context, operator: str, act: Callable[..., Any]):
        self._application(request.application_id, context)
        if not request.reason.strip():
            _abort(context, grpc.StatusCode.INVALID_ARGUMENT, "a reason is required", [("reason", "required")])
        try:
            application = act(request.application_id, request.step, operator, request.reason.strip())
        except UnknownStep as err:
            _abort(context, grpc.StatusCode.INVALID_ARGUMENT, str(err), [("step", "no such step")])
        except OperatorActionRefused as err:
            _abort(context, grpc.StatusCode.FAILED_PRECONDITION, str(err), [("step", str(err))])
        return application_message(application)

