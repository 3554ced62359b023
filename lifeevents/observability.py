"""What every process of the suite shares to be operable: its log format (text, or one JSON object a
line when LIFEEVENTS_LOG_FORMAT=json) and its Prometheus metrics endpoint (LIFEEVENTS_METRICS_ADDRESS,
host:port; unset, none is served)."""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
from typing import Mapping

LOG_FORMAT = "LIFEEVENTS_LOG_FORMAT"
METRICS_ADDRESS = "LIFEEVENTS_METRICS_ADDRESS"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, process, logger, message (and the exception)."""

    def __init__(self, process: str):
        super().__init__()
        self.process = process

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
                 "level": record.levelname, "process": self.process, "logger": record.name,
                 "message": record.getMessage()}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(process: str, environ: Mapping[str, str] = os.environ, level: int = logging.INFO) -> None:
    """The root logger of a process: text for people, JSON for a log pipeline."""
    log_format = (environ.get(LOG_FORMAT) or "text").strip().lower()
    if log_format not in ("text", "json"):
        raise ValueError(f"{LOG_FORMAT}={log_format!r}: say text or json")
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter(process) if log_format == "json" else
                         logging.Formatter(f"%(asctime)s {process} %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("pika").setLevel(logging.WARNING)


def serve_metrics(environ: Mapping[str, str] = os.environ) -> int | None:
    """Serve this process's metrics on LIFEEVENTS_METRICS_ADDRESS (host:port); the port, or None."""
    address = (environ.get(METRICS_ADDRESS) or "").strip()
    if not address:
        return None
    from prometheus_client import start_http_server

    host, _, port = address.rpartition(":")
    server, _thread = start_http_server(int(port), addr=host or "0.0.0.0")
    return server.server_port
