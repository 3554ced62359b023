"""The coordinator's gRPC server: the Applications API, the Operations API, health checking and
reflection (v1 and v1alpha, so a generic client needs no project code); TLS when a certificate and
key are given, plain gRPC otherwise (`make run`: loopback only). It does not start with an API
method that is neither authenticated nor anonymous (saga/entrypoints/auth.py).

It is a grpc.aio server on an event loop of its own thread. Unary handlers stay synchronous and run
in the server's thread pool; Watch is a coroutine on the loop, so an open stream holds no thread
(with a thread each, 256 watchers stopped Submit and the health checks). Health says SERVING only
while everything the coordinator needs answers (`readiness`), and is checked again every second.
A request that does not decode is INVALID_ARGUMENT, not UNKNOWN.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import logging
import threading
from typing import Any, Callable, Sequence

import grpc
from grpc_health.v1 import _async as health_async
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import _async as reflection_async
from grpc_reflection.v1alpha import reflection
from grpc_reflection.v1alpha import reflection_pb2 as reflection_v1alpha_pb2

from lifeevents.reflection.v1 import reflection_pb2 as reflection_v1_pb2
from lifeevents.reflection.v1 import reflection_pb2_grpc as reflection_v1_pb2_grpc
from lifeevents.v1 import (applications_pb2, applications_pb2_grpc, commitments_pb2, commitments_pb2_grpc,
                           front_desk_pb2, front_desk_pb2_grpc, operations_pb2, operations_pb2_grpc)
from saga.entrypoints.applications_api import ApplicationsServicer
from saga.entrypoints.commitments_api import CommitmentsServicer
from saga.entrypoints.auth import check_every_method
from saga.entrypoints.errors import status
from saga.entrypoints.front_desk_api import FrontDeskServicer
from saga.entrypoints.operations_api import OperationsServicer

log = logging.getLogger(__name__)
# What a request may weigh; larger is RESOURCE_EXHAUSTED by grpc itself.
MAX_MESSAGE_BYTES = 4 * 1024 * 1024
SERVING, NOT_SERVING = health_pb2.HealthCheckResponse.SERVING, health_pb2.HealthCheckResponse.NOT_SERVING
Readiness = Callable[[], Sequence[str]]  # what does not answer yet (empty: ready)


class ReflectionV1(reflection_v1_pb2_grpc.ServerReflectionServicer):
    """grpc.reflection.v1, served by the v1alpha implementation: the two have the same messages
    under another package, so each request and answer crosses by its bytes."""

    def __init__(self, service_names: Sequence[str]):
        self._v1alpha = reflection_async.ReflectionServicer(service_names)

    async def ServerReflectionInfo(self, request_iterator, context):
        async def as_v1alpha():
            async for request in request_iterator:
                yield reflection_v1alpha_pb2.ServerReflectionRequest.FromString(request.SerializeToString())

        async for response in self._v1alpha.ServerReflectionInfo(as_v1alpha(), context):
            yield reflection_v1_pb2.ServerReflectionResponse.FromString(response.SerializeToString())


class _Undecodable:
    """What a request that does not decode becomes: the handler is not called with it."""

    def __init__(self, error: Exception):
        self.error = error


def _tolerant(deserializer: Callable[[bytes], Any] | None) -> Callable[[bytes], Any]:
    def deserialize(data: bytes) -> Any:
        try:
            return deserializer(data) if deserializer else data
        except Exception as err:  # DecodeError, nesting beyond protobuf's limit, bad UTF-8
            return _Undecodable(err)
    return deserialize


class RefuseUndecodable(grpc.aio.ServerInterceptor):
    """A request whose bytes are not the method's message (garbage, nesting deeper than protobuf
    parses, invalid UTF-8) is INVALID_ARGUMENT naming `request`, instead of grpc's UNKNOWN."""

    async def intercept_service(self, continuation, handler_call_details):
        handler = await continuation(handler_call_details)
        if handler is None or handler.request_streaming:
            return handler
        behaviour = handler.unary_unary or handler.unary_stream
        refusal = status(grpc.StatusCode.INVALID_ARGUMENT, "the request is not a valid message of this method",
                         [("request", "not a valid message of this method (bad bytes, invalid UTF-8, or "
                                      "nested deeper than 100 levels)")])

        if handler.unary_unary:
            def unary(request, context):
                if isinstance(request, _Undecodable):
                    context.abort(refusal.code, refusal.details, refusal.trailing_metadata)
                return behaviour(request, context)

            async def unary_async(request, context):
                if isinstance(request, _Undecodable):
                    await context.abort(refusal.code, refusal.details, refusal.trailing_metadata)
                return await behaviour(request, context)

            return grpc.unary_unary_rpc_method_handler(
                unary_async if asyncio.iscoroutinefunction(behaviour) else unary,
                _tolerant(handler.request_deserializer), handler.response_serializer)

        def stream(request, context):
            if isinstance(request, _Undecodable):
                context.abort(refusal.code, refusal.details, refusal.trailing_metadata)
            yield from behaviour(request, context)

        async def stream_async(request, context):
            if isinstance(request, _Undecodable):
                await context.abort(refusal.code, refusal.details, refusal.trailing_metadata)
            async for response in behaviour(request, context):
                yield response

        return grpc.unary_stream_rpc_method_handler(
            stream_async if inspect.isasyncgenfunction(behaviour) else stream,
            _tolerant(handler.request_deserializer), handler.response_serializer)


class CoordinatorServer:
    """The grpc.aio server on its own thread: `start()` returns the port once it listens."""

    def __init__(self, applications: ApplicationsServicer, operations: OperationsServicer, address: str,
                 readiness: Readiness = lambda: (), on_loop: Callable[[asyncio.AbstractEventLoop], None] = lambda _: None,
                 workers: int = 32, readiness_every_s: float = 1.0, tls: tuple[bytes, bytes] | None = None,
                 front_desk: FrontDeskServicer | None = None):
        check_every_method(applications, applications_pb2.DESCRIPTOR.services_by_name["Applications"])
        if front_desk is not None:
            check_every_method(front_desk, front_desk_pb2.DESCRIPTOR.services_by_name["FrontDesk"])
        self.front_desk = front_desk
        check_every_method(operations, operations_pb2.DESCRIPTOR.services_by_name["Operations"])
        self.applications, self.operations, self.address, self.tls = applications, operations, address, tls
        # Officers' findings on commitments (告知承诺): the same coordinator and tokens as the applicant API.
        self.commitments = CommitmentsServicer(applications.coordinator, applications.verifier)
        check_every_method(self.commitments, commitments_pb2.DESCRIPTOR.services_by_name["Commitments"])
        self.readiness, self.on_loop = readiness, on_loop
        self.workers, self.readiness_every_s = workers, readiness_every_s
        self.port = 0
        self._started = threading.Event()
        self._failure: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._grace = 2.0
        self._thread = threading.Thread(target=self._run, name="grpc-server", daemon=True)

    def start(self, timeout: float = 30) -> int:
        self._thread.start()
        if not self._started.wait(timeout):
            raise RuntimeError("the gRPC server did not start")
        if self._failure is not None:
            raise self._failure
        return self.port

    def stop(self, grace: float = 2.0) -> None:
        if self._loop is not None and self._stopping is not None:
            self._grace = grace
            self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(timeout=grace + 10)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as err:  # noqa: BLE001 - reported to start(), which raises it
            self._failure = err
            self._started.set()

    async def _serve(self) -> None:
        self._loop, self._stopping = asyncio.get_running_loop(), asyncio.Event()
        pool = concurrent.futures.ThreadPoolExecutor(self.workers, thread_name_prefix="grpc")
        server = grpc.aio.server(migration_thread_pool=pool, interceptors=[RefuseUndecodable()],
                                 options=[("grpc.max_receive_message_length", MAX_MESSAGE_BYTES)])
        applications_pb2_grpc.add_ApplicationsServicer_to_server(self.applications, server)
        operations_pb2_grpc.add_OperationsServicer_to_server(self.operations, server)
        commitments_pb2_grpc.add_CommitmentsServicer_to_server(self.commitments, server)
        if self.front_desk is not None:
            front_desk_pb2_grpc.add_FrontDeskServicer_to_server(self.front_desk, server)
        health = health_async.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(health, server)
        names = (applications_pb2.DESCRIPTOR.services_by_name["Applications"].full_name,
                 operations_pb2.DESCRIPTOR.services_by_name["Operations"].full_name,
                 commitments_pb2.DESCRIPTOR.services_by_name["Commitments"].full_name,
                 health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME,
                 reflection_v1_pb2.DESCRIPTOR.services_by_name["ServerReflection"].full_name)
        if self.front_desk is not None:
            names += (front_desk_pb2.DESCRIPTOR.services_by_name["FrontDesk"].full_name,)
        reflection.enable_server_reflection(names, server)
        reflection_v1_pb2_grpc.add_ServerReflectionServicer_to_server(ReflectionV1(names), server)
        if self.tls is not None:
            certificate_chain, private_key = self.tls
            self.port = server.add_secure_port(self.address,
                                               grpc.ssl_server_credentials([(private_key, certificate_chain)]))
        else:
            self.port = server.add_insecure_port(self.address)
        if not self.port:
            raise OSError(f"cannot listen on {self.address}")
        for name in ("", names[0], names[1]):
            await health.set(name, NOT_SERVING)
        await server.start()
        self.on_loop(self._loop)
        self._started.set()
        watch_health = asyncio.create_task(self._keep_health(health, ("", names[0], names[1])))
        await self._stopping.wait()
        watch_health.cancel()
        await health.enter_graceful_shutdown()
        await server.stop(self._grace)
        pool.shutdown(wait=False, cancel_futures=True)

    async def _keep_health(self, health, names: Sequence[str]) -> None:
        """SERVING while everything the coordinator needs answers; checked again every second."""
        loop, last = asyncio.get_running_loop(), None
        while True:
            try:
                missing = list(await loop.run_in_executor(None, self.readiness))
            except Exception as err:  # noqa: BLE001 - a failing check means not ready, and says why
                missing = [f"readiness check ({type(err).__name__})"]
            if missing != last:
                if missing:
                    log.info("health: NOT_SERVING, waiting for %s", ", ".join(missing))
                else:
                    log.info("health: SERVING (broker and every department answer)")
                for name in names:
                    await health.set(name, NOT_SERVING if missing else SERVING)
                last = missing
            await asyncio.sleep(self.readiness_every_s)
