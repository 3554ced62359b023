"""`make run`: the whole suite in the foreground with readable logs; Ctrl-C stops all of it."""
import signal
import sys
import threading

from deploy.suite import Suite, SuiteError


def main() -> int:
    suite = Suite(colour=sys.stdout.isatty())
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        suite.start(web=True)
        print(f"lifeevents is up: Applications API on {suite.coordinator_address}; "
              f"web front door on http://{suite.web_address}. "
              f"Try `make demo` in another terminal; Ctrl-C stops everything.", flush=True)
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
