"""`python -m services.notifier`: deliver notifications until SIGTERM or SIGINT (a graceful stop: the
message under way is delivered and acked, then the connection closes)."""
from __future__ import annotations

import logging
import signal
import sys
import threading

from lifeevents import privacy
from lifeevents.observability import configure_logging, serve_metrics
from services.common.postgres_register import PostgresRegister
from services.common.sqlite_register import SqliteRegister
from services.notifier.consumer import NotificationConsumer
from services.notifier.delivery import FileDelivery, Notifier
from services.notifier.settings import NAME, Settings

log = logging.getLogger(NAME)


def main() -> int:
    configure_logging(NAME)
    privacy.install()  # resident IDs masked in every log line; its files 0600
    settings = Settings.from_environment()
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    register = (PostgresRegister(settings.register_url, NAME) if settings.register_url
                else SqliteRegister(settings.data_dir / f"{NAME}.sqlite"))
    consumer = NotificationConsumer(settings, Notifier(FileDelivery(settings.notifications_dir), register))
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    metrics_port = serve_metrics()
    consumer.start()
    log.info("delivering notifications from %s to files in %s%s", settings.topology.notifier_queue,
             settings.notifications_dir, f"; metrics on port {metrics_port}" if metrics_port else "")
    while not stopping.wait(1):
        if not consumer.is_alive():
            return 1
    log.info("stopping")
    consumer.stop()
    consumer.join(timeout=10)
    register.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
