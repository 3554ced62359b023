"""Withdrawal, rating and follow-ups at the gRPC door: Applications/Withdraw and Applications/Rate
(mixed into the applicant's servicer, saga/entrypoints/applications_api.py), Operations/ListFollowUps
and Operations/CloseFollowUp (mixed into the operators', saga/entrypoints/operations_api.py). Each
holds the request to the door's limits, calls one use case or query, answers in protobuf."""
from __future__ import annotations

import datetime as dt
import functools

from lifeevents.identity import Principal
from lifeevents.privacy import mask_text
from lifeevents.v1 import applications_pb2 as pb
from lifeevents.v1 import operations_pb2 as ops
from saga.domain.access import OperatorAction, check_may_operate
from saga.domain.errors import FollowUpNotFound
from saga.domain.rating import RatingLevel, RatingState
from saga.entrypoints import requests
from saga.entrypoints.auth import authenticated
from saga.entrypoints.errors import domain_errors, refusals

STATES = ("open", "closed", "overdue")  # ListFollowUps' filter ("" for all)
MAX_RATED_STEPS, MAX_FOLLOW_UPS_PAGE = 20, 500


def _level(field: str, value: int) -> RatingLevel:
    if value not in pb.RatingLevel.values() or value == pb.RATING_LEVEL_UNSPECIFIED:
        raise requests.invalid(field, f"one of {', '.join(RatingLevel)}")
    return RatingLevel(pb.RatingLevel.Name(value))


def _step(field: str, value: str) -> str:
    """A step's id: at most LIMITS["step"] characters, required, one line."""
    if len(value) > requests.LIMITS["step"]:
        raise requests.invalid(field, f"at most {requests.LIMITS['step']} characters (this has {len(value)})")
    if not value.strip():
        raise requests.invalid(field, "required")
    return requests.optional("step", value)


def _state(value: str) -> str:
    requests.check_length("state", value)
    if value and value not in STATES:
        raise requests.invalid("state", f"one of {', '.join(STATES)}, or empty for all")
    return value


def _steps(rated) -> dict[str, RatingLevel]:
    """The rated steps, each once, each with a level; every fault named."""
    if len(rated) > MAX_RATED_STEPS:
        raise requests.invalid("steps", f"at most {MAX_RATED_STEPS} rated steps (this has {len(rated)})")
    steps: dict[str, RatingLevel] = {}
    checks = []
    for i, item in enumerate(rated):
        checks += [lambda i=i, item=item: _step(f"steps[{i}].step", item.step),
                   lambda i=i, item=item: _level(f"steps[{i}].level", item.level)]
    values = requests.each(*checks)
    for i, (step, level) in enumerate(zip(values[::2], values[1::2])):
        if step in steps:
            raise requests.invalid(f"steps[{i}].step", f"{step} is rated twice")
        steps[step] = level
    return steps


def rating_message(application_id: str, rating: RatingState) -> pb.Rating:
    message = pb.Rating(application_id=application_id, level=pb.RatingLevel.Value(rating.level),
                        comment=rating.comment, follow_up_id=rating.follow_up,
                        steps=[pb.StepRating(step=s, level=pb.RatingLevel.Value(v)) for s, v in rating.steps.items()])
    message.rated_at.FromDatetime(rating.at)
    return message


def follow_up_message(row: dict) -> ops.FollowUp:
    message = ops.FollowUp(follow_up_id=row["follow_up_id"], application_id=row["application_id"],
                           bundle=row["bundle"], level=row["level"], step_levels=row["steps"], comment=row["comment"],
                           overdue=row["overdue"], closed_by=row["closed_by"] or "",
                           rectification=row["rectification"] or "")
    message.due_at.FromDatetime(row["due_at"])
    for name in ("opened_at", "closed_at"):
        if row[name]:
            getattr(message, name).FromDatetime(dt.datetime.fromisoformat(row[name]))
    return message


class AftercareMethods:
    """Applications/Withdraw and Rate; needs the servicer's coordinator, verifier and `answer`."""

    @authenticated
    def Withdraw(self, request, context, caller: Principal):
        with refusals(context):
            application_id, reason = requests.each(lambda: requests.application_id(request.application_id),
                                                   lambda: requests.required("reason", request.reason))
        with domain_errors(context):
            application, sight = self.coordinator.withdraw(application_id, reason, caller=caller)
        return self.answer(application, sight)

    @authenticated
    def Rate(self, request, context, caller: Principal):
        with refusals(context):
            application_id, level, comment, steps = requests.each(
                lambda: requests.application_id(request.application_id), lambda: _level("level", request.level),
                lambda: requests.optional("comment", request.comment), lambda: _steps(request.steps))
        with domain_errors(context):
            _, rating = self.coordinator.rate(application_id, level, comment, steps, caller=caller)
        return rating_message(application_id, rating)


class FollowUpMethods:
    """Operations/ListFollowUps and CloseFollowUp; needs the servicer's coordinator, queries, verifier."""

    @authenticated(permits=functools.partial(check_may_operate, action=OperatorAction.FOLLOW_UPS))
    def ListFollowUps(self, request, context, caller: Principal):
        with refusals(context):
            _, _, size, offset = requests.each(
                lambda: _state(request.state), lambda: requests.check_length(
                    "bundle", request.bundle), lambda: requests.non_negative("page_size", request.page_size),
                lambda: requests.page_offset(request.page_token))
        size = min(size or 50, MAX_FOLLOW_UPS_PAGE)
        rows, total = self.queries.follow_ups_listed(request.state, request.bundle, size, offset)
        return ops.ListFollowUpsResponse(follow_ups=[follow_up_message(row) for row in rows], total=total,
                                         next_page_token=str(offset + size) if offset + size < total else "")

    @authenticated(permits=functools.partial(check_may_operate, action=OperatorAction.FOLLOW_UPS))
    def CloseFollowUp(self, request, context, caller: Principal):
        with refusals(context):
            follow_up_id, rectification = requests.each(
                lambda: requests.token("follow_up_id", request.follow_up_id, required_=True),
                lambda: requests.required("rectification", request.rectification))
        with domain_errors(context):
            if (row := self.queries.follow_up(follow_up_id)) is None:
                raise FollowUpNotFound(follow_up_id)
            _, at = self.coordinator.close_follow_up(row["application_id"], follow_up_id, rectification,
                                                     caller.subject)
        return follow_up_message({**row, "closed_at": at.isoformat(), "closed_by": caller.subject, "overdue": False,
                                  "rectification": mask_text(rectification)})
