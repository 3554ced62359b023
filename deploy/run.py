"""`make run`: the whole suite in the foreground with readable logs; Ctrl-C stops all of it.
`make run EXCEPT="seals tax"` leaves those departments out (run them yourself, or a department written
in another language, on the same RabbitMQ prefix)."""
import argparse
import signal
import sys
import threading

from deploy.suite import Suite, SuiteError


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="make run")
    parser.add_argument("--except", dest="leave_out", default="", help="departments to leave out, space-separated")
    args = parser.parse_args(argv)
    suite = Suite(colour=sys.stdout.isatty())
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        suite.start(web=True, leave_out=tuple(args.leave_out.replace(",", " ").split()))
        transport = ("TLS" if suite.env.get("LIFEEVENTS_TLS_CERT") else
                     "plain gRPC on loopback, no TLS (LIFEEVENTS_TLS_CERT and LIFEEVENTS_TLS_KEY turn it on)")
        print(f"lifeevents is up: Applications API on {suite.coordinator_address} ({transport}); "
              f"web front door on http://{suite.web_address}; notifications delivered to "
              f"{suite.env.get('LIFEEVENTS_DATA_DIR') or 'var'}/notifications/.\n"
              f"DEVELOPMENT identity: every call but ListBundles and GetForm needs a token; "
              f"`.venv/bin/lifeevents token --as 370202199205140022` prints one (LIFEEVENTS_ENV=production "
              f"refuses them).\nTry `make demo` (or `make demo PROACTIVE=1`) in another terminal; Ctrl-C stops everything.", flush=True)
        while not stopping.is_set():
            for name, process in suite.processes.items():
                if process.poll() is not None:
                    print(f"{name} exited with code {process.returncode}; stopping the suite", flush=True)
                    stopping.set()
            stopping.wait(1)
    except SuiteError as err:
        print(f"cannot start the suite: {err}", file=sys.stderr, flush=True)
        suite.stop()
        return 1
    except KeyboardInterrupt:
        pass
    print("stopping the suite ...", flush=True)
    suite.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
