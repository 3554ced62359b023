"""The coordinator's gRPC server: the Applications API, the Operations API, health checking and
reflection (so a generic client needs no project code); TLS when a certificate and key are given,
plain gRPC otherwise (`make run`: loopback only). It does not start with an API method that is
neither authenticated nor anonymous (saga/entrypoints/auth.py)."""
from __future__ import annotations

from concurrent import futures

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from lifeevents.v1 import applications_pb2, applications_pb2_grpc, operations_pb2, operations_pb2_grpc
from saga.entrypoints.applications_api import ApplicationsServicer
from saga.entrypoints.auth import check_every_method
from saga.entrypoints.operations_api import OperationsServicer


def build_server(applications: ApplicationsServicer, operations: OperationsServicer, address: str,
                 max_workers: int = 256, tls: tuple[bytes, bytes] | None = None) -> tuple[grpc.Server, int]:
    """A grpcio server with both APIs; returns it and its port. Every open Watch holds a worker thread
    (idle, waiting for events) for as long as its application runs, so the pool is large: with 32,
    fifty applicants watching made Submit wait for a free thread."""
    check_every_method(applications, applications_pb2.DESCRIPTOR.services_by_name["Applications"])
    check_every_method(operations, operations_pb2.DESCRIPTOR.services_by_name["Operations"])
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="grpc"))
    applications_pb2_grpc.add_ApplicationsServicer_to_server(applications, server)
    operations_pb2_grpc.add_OperationsServicer_to_server(operations, server)
    health_servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    services = (applications_pb2.DESCRIPTOR.services_by_name["Applications"].full_name,
                operations_pb2.DESCRIPTOR.services_by_name["Operations"].full_name,
                health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME)
    reflection.enable_server_reflection(services, server)
    if tls is not None:
        certificate_chain, private_key = tls
        port = server.add_secure_port(address, grpc.ssl_server_credentials([(private_key, certificate_chain)]))
    else:
        port = server.add_insecure_port(address)
    if not port:
        raise OSError(f"cannot listen on {address}")
    for name in ("", services[0]):
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    return server, port
