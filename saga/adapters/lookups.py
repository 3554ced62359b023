"""Materials reuse over gRPC: the coordinator asks a department's `Lookup.Find`, presenting its service
credential (departments answer only callers with a `service` token)."""
from __future__ import annotations

import json
import logging
import threading
from typing import Callable, Mapping

import grpc

from lifeevents.departments.v1 import lookup_pb2, lookup_pb2_grpc
from lifeevents.endpoints import grpc_address
from saga.domain.errors import LookupUnavailable
from saga.domain.ports import RegisterLookups

log = logging.getLogger(__name__)


# Several instances of a department are balanced round robin; a lookup that meets one that has just
# died (UNAVAILABLE) is tried again on another, rather than asking the applicant to type the item.
SERVICE_CONFIG = {
    "loadBalancingConfig": [{"round_robin": {}}],
    "methodConfig": [{"name": [{"service": "lifeevents.departments.v1.Lookup"}],
                      "retryPolicy": {"maxAttempts": 4, "initialBackoff": "0.05s", "maxBackoff": "0.5s",
                                      "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]}}],
}
CHANNEL_OPTIONS = [("grpc.service_config", json.dumps(SERVICE_CONFIG)), ("grpc.enable_retries", 1)]


class GrpcLookups(RegisterLookups):
    def __init__(self, credential: Callable[[], str], timeout_s: float = 3.0):
        self.credential, self.timeout_s = credential, timeout_s
        self._stubs: dict[str, lookup_pb2_grpc.LookupStub] = {}
        self._channels: list[grpc.Channel] = []
        self._lock = threading.Lock()

    def _stub(self, department: str) -> lookup_pb2_grpc.LookupStub:
        with self._lock:
            if department not in self._stubs:
                channel = grpc.insecure_channel(grpc_address(department), options=CHANNEL_OPTIONS)
                self._channels.append(channel)
                self._stubs[department] = lookup_pb2_grpc.LookupStub(channel)
            return self._stubs[department]

    def find(self, department: str, query: str, key: str) -> Mapping[str, str] | None:
        try:
            response = self._stub(department).Find(lookup_pb2.LookupRequest(query=query, key=key),
                                                   metadata=(("authorization", f"Bearer {self.credential()}"),),
                                                   timeout=self.timeout_s)
        except grpc.RpcError as err:
            if err.code() == grpc.StatusCode.NOT_FOUND:
                return None
            log.warning("lookup %s.%s: %s did not answer (%s)", department, query, department, err.code().name)
            raise LookupUnavailable(department) from None
        return dict(response.values)

    def close(self) -> None:
        with self._lock:
            for channel in self._channels:
                channel.close()
            self._channels.clear()
            self._stubs.clear()
