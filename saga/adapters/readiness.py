"""Readiness: what the coordinator needs before it reports SERVING — the broker (its result and
dead-letter consumers connected) and every department of the catalogue answering on its gRPC port
(its answer to a `Lookup.Find` ping, an empty query, with the coordinator's service credential; no
answer within a second does not count)."""
from __future__ import annotations

from typing import Callable, Iterable

import grpc

from lifeevents.departments.v1 import lookup_pb2, lookup_pb2_grpc
from lifeevents.endpoints import grpc_address

# Whose answers do not count: the department is not there (or does not answer in time).
_NO_ANSWER = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)


class DepartmentPing:
    """Pings each department's Lookup.Find (an empty query, which it answers at once with nothing)."""

    def __init__(self, departments: Iterable[str], credential: Callable[[], str], timeout_s: float = 1.0):
        self.credential, self.timeout_s = credential, timeout_s
        self._channels = {d: grpc.insecure_channel(grpc_address(d)) for d in sorted(departments)}
        self._stubs = {d: lookup_pb2_grpc.LookupStub(c) for d, c in self._channels.items()}

    def silent(self) -> list[str]:
        """The departments that do not answer."""
        silent = []
        for department, stub in self._stubs.items():
            try:
                stub.Find(lookup_pb2.LookupRequest(query="", key=""), timeout=self.timeout_s,
                          metadata=(("authorization", f"Bearer {self.credential()}"),))
            except grpc.RpcError as err:
                if err.code() in _NO_ANSWER:
                    silent.append(department)
        return silent

    def close(self) -> None:
        for channel in self._channels.values():
            channel.close()


def readiness(broker_connected: Callable[[], bool], departments: DepartmentPing) -> Callable[[], list[str]]:
    """What does not answer yet: "broker" and the silent departments (empty when ready)."""
    def missing() -> list[str]:
        return (["broker"] if not broker_connected() else []) + departments.silent()
    return missing
