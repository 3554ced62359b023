"""Start one department's nameko service in this (eventlet-patched) process until SIGTERM/SIGINT."""
from __future__ import annotations

import importlib
import logging
import signal
import socket

import eventlet
from nameko import config
from nameko.runners import ServiceRunner

from lifeevents import privacy
from lifeevents.observability import configure_logging, serve_metrics
from services.common import settings
from services.common.departments import service_class_name, service_module
from services.common.queries import identity, verifier


class ExpectedErrorsInOneLine(logging.Filter):
    """An expected answer of an entrypoint (a lookup that finds nothing is NOT_FOUND) is one line, not
    a traceback: nameko logs it '(expected) ...' with the exception attached."""

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith("(expected)"):
            record.exc_info, record.exc_text = None, None
        return True


def check_port_unused(host: str, port: int) -> None:
    """Refuse to start on a port another process listens on: nameko-grpc listens with SO_REUSEPORT,
    and two servers on one port would silently share its calls."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as err:
            raise SystemExit(f"{host}:{port} is in use by another process ({err.strerror})") from None


def run(department: str) -> None:
    configure_logging(department)
    logging.getLogger("nameko_grpc").setLevel(logging.WARNING)
    logging.getLogger("nameko.containers").addFilter(ExpectedErrorsInOneLine())
    privacy.install()  # personal data masked in every log line; the register's files are 0600
    config.setup(settings.from_environment(department))
    identity().check()
    verifier()  # in development, the development key is made now if nobody made it yet
    if warning := identity().warning():
        logging.getLogger(department).warning("%s", warning)
    metrics_port = serve_metrics()
    service_cls = getattr(importlib.import_module(service_module(department)), service_class_name(department))
    check_port_unused(config["GRPC_BIND_HOST"], config["GRPC_BIND_PORT"])
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
