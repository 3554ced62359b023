"""Run the coordinator: `python -m saga` (saga/bootstrap.py builds it). Stops cleanly on SIGINT or SIGTERM."""
import logging
import signal
import threading

from lifeevents import privacy
from saga.bootstrap import bootstrap


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s coordinator %(levelname)s %(name)s: %(message)s")
    logging.getLogger("pika").setLevel(logging.WARNING)
    privacy.install()  # personal data masked in every log line; the files it makes are 0600
    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    running = bootstrap()
    stopping.wait()
    logging.getLogger("saga").info("stopping")
    running.stop()


if __name__ == "__main__":
    main()
