"""Run the coordinator: `python -m saga` (saga/bootstrap.py builds it); it stops cleanly on SIGINT or
SIGTERM. `python -m saga migrate` creates its tables and exits (`lifeevents migrate` runs it)."""
import argparse
import logging
import signal
import threading

from lifeevents import privacy
from lifeevents.observability import configure_logging
from saga.bootstrap import bootstrap, migrate
from saga.config import Config


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m saga", description="the lifeevents coordinator")
    parser.add_argument("command", nargs="?", choices=("serve", "migrate"), default="serve")
    args = parser.parse_args(argv)
    config = Config()
    configure_logging(f"coordinator {config.instance}" if args.command == "serve" else "migrate")
    privacy.install()  # personal data masked in every log line; the files it makes are 0600
    if args.command == "migrate":
        migrate(config)
        logging.getLogger("saga").info("the coordinator's tables are in place (%s)",
                                       config.event_store_env()["PERSISTENCE_MODULE"])
        return
    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    running = bootstrap(config)
    stopping.wait()
    logging.getLogger("saga").info("stopping: finishing the work under way and giving up leases")
    running.stop()


if __name__ == "__main__":
    main()
