"""Start one department's nameko service in this (eventlet-patched) process until SIGTERM/SIGINT."""
from __future__ import annotations

import logging
import os
import signal

import eventlet
from nameko import config
from nameko.runners import ServiceRunner

from lifeevents.endpoints import grpc_port


def kombu_uri(amqp_uri: str) -> str:
    # pika writes the default vhost as %2F; kombu wants an empty path segment after the slash.
    return amqp_uri.replace("/%2F", "//") if amqp_uri.endswith("/%2F") else amqp_uri


def run(service_cls, department: str) -> None:
    logging.basicConfig(level=logging.INFO,
                        format=f"%(asctime)s {department} %(levelname)s %(name)s: %(message)s")
    logging.getLogger("nameko_grpc").setLevel(logging.WARNING)
    config.update({
        "AMQP_URI": kombu_uri(os.environ.get("LIFEEVENTS_AMQP_URI") or "amqp://guest:guest@127.0.0.1:5672/%2F"),
        "GRPC_BIND_HOST": "127.0.0.1",
        "GRPC_BIND_PORT": grpc_port(department),
        "SERIALIZER": "json",
        "ACCEPT": ["protobuf", "json"],
    })
    runner = ServiceRunner()
    runner.add_service(service_cls)

    def interrupt(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)  # as nameko's own `run` does: stop gracefully
    runner.start()
    logging.getLogger(department).info("serving; gRPC queries on 127.0.0.1:%d", grpc_port(department))
    try:
        runner.wait()
    except KeyboardInterrupt:
        logging.getLogger(department).info("stopping")
        eventlet.spawn(runner.stop).wait()
