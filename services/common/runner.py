"""Start one department's nameko service in this (eventlet-patched) process until SIGTERM/SIGINT."""
from __future__ import annotations

import importlib
import logging
import signal

import eventlet
from nameko import config
from nameko.runners import ServiceRunner

from lifeevents.observability import configure_logging, serve_metrics

from services.common import settings
from services.common.departments import service_class_name, service_module


def run(department: str) -> None:
    configure_logging(department)
    logging.getLogger("nameko_grpc").setLevel(logging.WARNING)
    config.setup(settings.from_environment(department))
    metrics_port = serve_metrics()
    service_cls = getattr(importlib.import_module(service_module(department)), service_class_name(department))
    runner = ServiceRunner()
    runner.add_service(service_cls)

    def interrupt(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)  # as nameko's own `run` does: stop gracefully
    runner.start()
    logging.getLogger(department).info("serving; gRPC queries on %s:%d%s", config["GRPC_BIND_HOST"],
                                       config["GRPC_BIND_PORT"], f"; metrics on port {metrics_port}" if metrics_port else "")
    try:
        runner.wait()
    except KeyboardInterrupt:
        logging.getLogger(department).info("stopping")
        eventlet.spawn(runner.stop).wait()
