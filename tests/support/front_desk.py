"""The front desk's acceptance (前台受理) for the runners that submit many applications through faults:
accepted on whichever coordinator answers, again after a lost answer."""
from __future__ import annotations

import time

import grpc

from lifeevents.front_desk import FrontDeskClient

RETRYABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.UNKNOWN,
             grpc.StatusCode.INTERNAL)
# The bundles the shipped definitions accept at the front desk.
FRONT_DESK_BUNDLES = ("deregistration",)


def accept(address_of, token: str, application_id: str, timeout: float = 120) -> None:
    """Accept the application at the front desk; `address_of()` names a live coordinator. An application
    no longer in the queue (accepted by an earlier try whose answer was lost) is left as it is."""
    deadline = time.monotonic() + timeout
    while True:
        with FrontDeskClient(address_of(), token) as desk:
            try:
                desk.accept(application_id)
                return
            except grpc.RpcError as err:
                if err.code() == grpc.StatusCode.FAILED_PRECONDITION:
                    return
                if err.code() not in RETRYABLE or time.monotonic() > deadline:
                    raise
        time.sleep(0.2)
