"""`python -m web`: serve the web front door (LIFEEVENTS_WEB_ADDRESS, default 127.0.0.1:8080), with
its metrics on LIFEEVENTS_METRICS_ADDRESS and its log as text or JSON (LIFEEVENTS_LOG_FORMAT), like
every process of the suite. SIGTERM or SIGINT stops it gracefully: no new connections, the requests
under way are answered (live pages end as the stop begins; the browser reconnects), the channel to the
coordinator is closed, and it exits 0."""
import logging
import signal
import sys

import uvicorn

from lifeevents import privacy
from lifeevents.observability import configure_logging, serve_metrics
from web.app import create_app
from web.config import WebSettings
from web.stopping import Server

GRACEFUL_SHUTDOWN_S = 2


def main() -> int:
    configure_logging("web")
    privacy.install()  # the one logging filter of every process: personal data masked; files 0600
    settings = WebSettings.from_env()
    metrics_port = serve_metrics()
    if metrics_port:
        logging.getLogger("web").info("metrics on port %d", metrics_port)
    # uvicorn handles SIGTERM and SIGINT itself: it stops accepting, waits for the requests under way
    # (at most GRACEFUL_SHUTDOWN_S for live streams), runs the app's shutdown, puts back the handlers it
    # found and raises the signal again. The handlers found are these, which only note it: a stop
    # that went as planned exits 0, as the other processes of the suite do.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda number, frame: logging.getLogger("web").info("stopped by %s",
                                                                              signal.Signals(number).name))
    config = uvicorn.Config(create_app(settings), host=settings.host, port=settings.port, log_config=None,
                            access_log=False, server_header=False, ssl_certfile=settings.tls_cert or None,
                            ssl_keyfile=settings.tls_key or None, timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S)
    Server(config).run()  # live pages end as the stop begins (web/stopping.py)
    logging.getLogger("web").info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
