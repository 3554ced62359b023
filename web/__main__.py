"""`python -m web`: serve the web front door (LIFEEVENTS_WEB_ADDRESS, default 127.0.0.1:8080)."""
import logging
import sys

import uvicorn

from lifeevents import privacy
from web.app import create_app
from web.config import WebSettings


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stdout)
    privacy.install()  # the one logging filter of every process: personal data masked; files 0600
    settings = WebSettings.from_env()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None, access_log=False,
                server_header=False, ssl_certfile=settings.tls_cert or None, ssl_keyfile=settings.tls_key or None,
                timeout_graceful_shutdown=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
