"""Applications as the applicant API reports them: a step of one, a wait for a step, a submission."""
from __future__ import annotations

from dataclasses import dataclass

import grpc

from lifeevents.client import ApplicantClient
from lifeevents.v1 import applications_pb2 as pb
from tests.support.polling import eventually


def step(application: pb.Application, step_id: str) -> pb.Step:
    """The application's step of that id."""
    for candidate in application.steps:
        if candidate.id == step_id:
            return candidate
    raise KeyError(f"no step {step_id!r}; the application has {[s.id for s in application.steps]}")


def step_reaching(applicant: ApplicantClient, application_id: str, step_id: str, status: int,
                  timeout: float = 20) -> pb.Step:
    """Wait until the step has the status (a pb.Step status); return it."""

    def reached() -> pb.Step:
        current = step(applicant.get(application_id), step_id)
        assert current.status == status, \
            f"{step_id} is {pb.Step.Status.Name(current.status)}, not {pb.Step.Status.Name(status)}"
        return current

    return eventually(reached, timeout)


@dataclass(frozen=True)
class Submission:
    """What a Submit did: the application it started, or the gRPC error that refused it."""

    bundle: str
    idempotency_key: str = ""
    accepted_as: str = ""
    refusal: grpc.RpcError | None = None
    stored_before: int = 0  # submissions and data-access entries in the store before it (controls.stored_submissions)

    @property
    def application_id(self) -> str:
        assert self.refusal is None, f"the submission was refused: {self.refusal}"
        return self.accepted_as


def submit(applicant: ApplicantClient, form: dict, bundle: str, idempotency_key: str = "",
           stored_before: int = 0) -> Submission:
    try:
        return Submission(bundle, idempotency_key, stored_before=stored_before,
                          accepted_as=applicant.submit(form, bundle=bundle, idempotency_key=idempotency_key))
    except grpc.RpcError as error:
        return Submission(bundle, idempotency_key, refusal=error, stored_before=stored_before)
