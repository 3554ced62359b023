"""Errors at the gRPC edge, in one place for both APIs: a bad request is INVALID_ARGUMENT (or
NOT_FOUND, FAILED_PRECONDITION, ALREADY_EXISTS; PERMISSION_DENIED for a caller without the right,
NOT_FOUND for an application the caller may not see) with a google.rpc.BadRequest naming each
offending field; a register that cannot be asked is UNAVAILABLE (retryable); never UNKNOWN or
INTERNAL for something the caller can fix. An error quotes at most a short prefix of what it
refuses (lifeevents.text.quote), and an answer's text is cut short here as a last guard, so no
refusal grows with its input."""
from __future__ import annotations

import contextlib
from functools import singledispatch
from typing import Iterator, Sequence

import grpc
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from saga.domain.errors import (AlreadyRated, ApplicationNotFound, BundleDefinitionError, CommitmentNotOpen,
                                FollowUpClosed, FollowUpNotFound, FormInvalid, IdempotencyKeyReused, InvalidRequest,
                                LookupUnavailable, NoSuchDelegation, NotAwaited, NotVisible, ObjectionNotOpen,
                                OfferClosed, OperatorActionRefused, PermissionDenied, RatingRefused, UnknownBundle,
                                UnknownStep, WithdrawalRefused)

Violations = Sequence[tuple[str, str]]
# A refusal's message and each violation's text, at most; and how many violations it lists.
MAX_MESSAGE, MAX_VIOLATIONS = 500, 50


class Refused(Exception):
    """A request refused at the edge: the status, a message and the fields at fault. Raised where a
    handler cannot abort itself (an async handler aborts with `abort_async`)."""

    def __init__(self, code: grpc.StatusCode, message: str, violations: Violations = ()):
        super().__init__(message)
        self.code, self.message, self.violations = code, message, list(violations)


def _cut(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE] + "…"


def status(code: grpc.StatusCode, message: str, violations: Violations = ()) -> grpc.Status:
    """The status with a BadRequest naming each (field, description); many violations collapse."""
    violations = list(violations)
    if len(violations) > MAX_VIOLATIONS:
        violations = violations[:MAX_VIOLATIONS - 1] + [
            (violations[MAX_VIOLATIONS - 1][0], f"and {len(violations) - MAX_VIOLATIONS + 1} more problem(s)")]
    message = status_pb2.Status(code=getattr(code_pb2, code.name), message=_cut(message))
    if violations:
        message.details.add().Pack(error_details_pb2.BadRequest(field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field=_cut(f), description=_cut(d)) for f, d in violations]))
    return rpc_status.to_status(message)


def abort(context: grpc.ServicerContext, code: grpc.StatusCode, message: str, violations: Violations = ()) -> None:
    """End a synchronous handler's call with the status (raises; works on grpc's and grpc.aio's contexts)."""
    ending = status(code, message, violations)
    context.abort(ending.code, ending.details, ending.trailing_metadata)


async def abort_async(context: grpc.aio.ServicerContext, refused: Refused) -> None:
    """End an async handler's call with the status of `refused` (raises)."""
    ending = status(refused.code, refused.message, refused.violations)
    await context.abort(ending.code, ending.details, ending.trailing_metadata)


def invalid(context: grpc.ServicerContext, message: str, field: str, description: str) -> None:
    abort(context, grpc.StatusCode.INVALID_ARGUMENT, message, [(field, description)])


@contextlib.contextmanager
def refusals(context: grpc.ServicerContext) -> Iterator[None]:
    """Turn a Refused raised inside into the call's status."""
    try:
        yield
    except Refused as refused:
        abort(context, refused.code, refused.message, refused.violations)


@contextlib.contextmanager
def domain_errors(context: grpc.ServicerContext) -> Iterator[None]:
    """Map what the coordinator refuses to the status that says so."""
    try:
        yield
    except KNOWN_ERRORS as err:
        abort(context, *status_of(err))


@singledispatch
def status_of(err: Exception) -> tuple[grpc.StatusCode, str, Violations]:
    raise TypeError(f"no status for {type(err).__name__}")


@status_of.register
def _(err: FormInvalid):
    return (grpc.StatusCode.INVALID_ARGUMENT, f"the {err.bundle_id} form has {len(err.errors)} bad field(s)",
            [(e.field, e.description) for e in err.errors])


@status_of.register
def _(err: InvalidRequest):
    return grpc.StatusCode.INVALID_ARGUMENT, str(err), [(err.field, err.description)]


@status_of.register
def _(err: BundleDefinitionError):  # only the WhatIf call takes a bundle definition
    return (grpc.StatusCode.INVALID_ARGUMENT, "the bundle definition has problems",
            [("bundle_yaml", problem) for problem in err.problems])


@status_of.register
def _(err: UnknownStep):
    return grpc.StatusCode.INVALID_ARGUMENT, str(err), [("step", "no such step")]


@status_of.register
def _(err: UnknownBundle):
    return grpc.StatusCode.NOT_FOUND, str(err), [("bundle", "no such bundle")]


@status_of.register
def _(err: ApplicationNotFound):
    return grpc.StatusCode.NOT_FOUND, str(err), [("application_id", "no such application")]


@status_of.register
def _(err: OperatorActionRefused):
    return grpc.StatusCode.FAILED_PRECONDITION, str(err), [("step", str(err))]


@status_of.register
def _(err: ObjectionNotOpen):
    return grpc.StatusCode.FAILED_PRECONDITION, str(err), []


@status_of.register
def _(err: LookupUnavailable):
    return (grpc.StatusCode.UNAVAILABLE, f"{err} could not be asked just now; try again shortly (the register "
                                         f"holds items of this form)", [])


@status_of.register
def _(err: PermissionDenied):
    return grpc.StatusCode.PERMISSION_DENIED, str(err), [(err.field, err.description)] if err.field else []


@status_of.register
def _(err: NotVisible):  # existence is not revealed: the same answer as for an unknown application
    return grpc.StatusCode.NOT_FOUND, str(err), [("application_id", "no such application")]


@status_of.register
def _(err: IdempotencyKeyReused):
    return grpc.StatusCode.ALREADY_EXISTS, str(err), [("idempotency_key", "used before for another form")]


@status_of.register
def _(err: NoSuchDelegation):
    return grpc.StatusCode.NOT_FOUND, str(err), [("agent", "no delegation to this agent for this bundle")]


@status_of.register
def _(err: OfferClosed):
    return grpc.StatusCode.FAILED_PRECONDITION, str(err), [("application_id", str(err))]


@status_of.register
def _(err: CommitmentNotOpen):
    return grpc.StatusCode.FAILED_PRECONDITION, str(err), [(err.field, str(err))]


@status_of.register
def _(err: NotAwaited):
    return grpc.StatusCode.FAILED_PRECONDITION, str(err), [(err.field, str(err))]


# Withdrawal, rating and follow-ups (saga/domain/withdrawal.py, rating.py).
@status_of.register
def _(err: WithdrawalRefused):
    return grpc.StatusCode.FAILED_PRECONDITION, str(err), [("application_id", str(err))]


@status_of.register
def _(err: RatingRefused):
    return grpc.StatusCode.FAILED_PRECONDITION, str(err), [("application_id", str(err))]


@status_of.register
def _(err: AlreadyRated):
    return grpc.StatusCode.ALREADY_EXISTS, str(err), [("application_id", "rated already by you")]


@status_of.register
def _(err: FollowUpNotFound):
    return grpc.StatusCode.NOT_FOUND, str(err), [("follow_up_id", "no such follow-up")]


@status_of.register
def _(err: FollowUpClosed):
    return grpc.StatusCode.FAILED_PRECONDITION, str(err), [("follow_up_id", str(err))]


KNOWN_ERRORS = (NotAwaited, ApplicationNotFound, BundleDefinitionError, FormInvalid, IdempotencyKeyReused,
                InvalidRequest,
                LookupUnavailable, NoSuchDelegation, NotVisible, ObjectionNotOpen, OperatorActionRefused,
                PermissionDenied, UnknownBundle, UnknownStep, OfferClosed, CommitmentNotOpen,
                WithdrawalRefused, RatingRefused, AlreadyRated, FollowUpNotFound, FollowUpClosed)


def refused(err: Exception) -> Refused:
    """A domain error as a Refused (for async handlers)."""
    return Refused(*status_of(err))
