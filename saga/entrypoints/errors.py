"""Errors at the gRPC edge, in one place for both APIs: a bad request is INVALID_ARGUMENT (or
NOT_FOUND, FAILED_PRECONDITION) with a google.rpc.BadRequest naming each offending field; never
UNKNOWN or INTERNAL for something the caller can fix."""
from __future__ import annotations

import contextlib
import uuid
from functools import singledispatch
from typing import Iterator, Sequence

import grpc
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from saga.domain.errors import (ApplicationNotFound, BundleDefinitionError, FormInvalid, IdempotencyKeyReused,
                                InvalidRequest, LookupUnavailable, NoSuchDelegation, NotVisible, ObjectionNotOpen,
                                OperatorActionRefused, PermissionDenied, UnknownBundle, UnknownStep)

Violations = Sequence[tuple[str, str]]


def abort(context: grpc.ServicerContext, code: grpc.StatusCode, message: str, violations: Violations = ()) -> None:
    """End the call with the status, and a BadRequest naming each (field, description)."""
    status = status_pb2.Status(code=getattr(code_pb2, code.name), message=message)
    if violations:
        status.details.add().Pack(error_details_pb2.BadRequest(field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field=f, description=d) for f, d in violations]))
    context.abort_with_status(rpc_status.to_status(status))


def invalid(context: grpc.ServicerContext, message: str, field: str, description: str) -> None:
    abort(context, grpc.StatusCode.INVALID_ARGUMENT, message, [(field, description)])


def check_application_id(context: grpc.ServicerContext, application_id: str) -> str:
    try:
        uuid.UUID(application_id)
    except ValueError:
        invalid(context, "application_id is not a UUID", "application_id", f"{application_id!r} is not a UUID")
    return application_id


def check_reason(context: grpc.ServicerContext, reason: str) -> str:
    if not reason.strip():
        invalid(context, "a reason is required", "reason", "required")
    return reason.strip()


@contextlib.contextmanager
def domain_errors(context: grpc.ServicerContext) -> Iterator[None]:
    """Map what the coordinator refuses to the status that says so."""
    try:
        yield
    except (ApplicationNotFound, BundleDefinitionError, FormInvalid, IdempotencyKeyReused, InvalidRequest,
            LookupUnavailable, NoSuchDelegation, NotVisible, ObjectionNotOpen, OperatorActionRefused,
            PermissionDenied, UnknownBundle, UnknownStep) as err:
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
    return grpc.StatusCode.NOT_FOUND, str(err), [("bundle", f"unknown bundle {err.bundle_id!r}")]


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
def _(err: LookupUnavailable):  # retryable: the register could not be asked just now
    return grpc.StatusCode.UNAVAILABLE, f"a register could not be asked just now ({err}); try again shortly", []
