"""`make bench-appends`: the event store's ceiling on PostgreSQL. Events appended per second (one
event per save, as the coordinator saves a lone answer) by 1, 2 and 4 writer processes at once,

- with the eventsourcing library's default insert path: every transaction takes an EXCLUSIVE lock on
  the events table, so notification ids become visible in order and a follower never passes over a
  gap that is filled later; commits are serialised, whatever the number of writers;
- with its database-function insert path (POSTGRES_ENABLE_DB_FUNCTIONS): no table lock, so writers
  commit in parallel and an id can become visible after a higher one. The coordinator's followers
  read through saga/adapters/log.py, which holds back at such a gap until the writer that took the
  missing id has committed or cannot any more (the store's statement timeout), so they cope.

Each variant runs on a fresh database of its own, dropped afterwards. Prints a table and writes
bench/results/appends.json.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import time
import uuid
from pathlib import Path

import psycopg
from eventsourcing.application import Application

from bench.raw_limits import _Probe

RESULTS = Path(__file__).resolve().parent / "results"
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
VARIANTS = {
    "library default (table lock)": {},
    "database functions (no table lock)": {"POSTGRES_ENABLE_DB_FUNCTIONS": "y"},
    # What the coordinators use (saga/config.py): the function takes its transaction id first.
    "ours: functions, xid first": {"POSTGRES_ENABLE_DB_FUNCTIONS": "y",
                                   "APPLICATION_RECORDER_TOPIC": "saga.adapters.event_store:OrderedIdsRecorder"},
}


class _Store(Application):
    name = "appends"


def _env(database: str, variant: dict) -> dict:
    return {"PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_DBNAME": database,
            "POSTGRES_HOST": "127.0.0.1", "POSTGRES_PORT": "5432", "POSTGRES_USER": "postgres",
            "POSTGRES_PASSWORD": "", **variant}


def _writer(env: dict, seconds: float, start, counts) -> None:
    store = _Store(env={**env, "CREATE_TABLE": "n"})
    probe = _Probe()
    store.save(probe)
    payload = uuid.uuid4().hex * 4
    start.wait()
    appended, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        probe.tick(payload)
        store.save(probe)
        appended += 1
    counts.put((appended, time.perf_counter() - started))
    store.close()


def append_rate(database: str, variant: dict, writers: int, seconds: float) -> float:
    """Events per second appended by `writers` processes together."""
    context = multiprocessing.get_context("spawn")
    start, counts = context.Event(), context.Queue()
    processes = [context.Process(target=_writer, args=(_env(database, variant), seconds, start, counts))
                 for _ in range(writers)]
    for process in processes:
        process.start()
    time.sleep(1.5)  # every writer connected and its probe saved
    start.set()
    results = [counts.get(timeout=seconds + 60) for _ in processes]
    for process in processes:
        process.join()
    return sum(appended for appended, _ in results) / max(elapsed for _, elapsed in results)


def measure(writer_counts: list[int], seconds: float) -> dict[str, dict[int, float]]:
    table: dict[str, dict[int, float]] = {}
    for label, variant in VARIANTS.items():
        database = f"lifeevents_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{database}"')
        try:
            _Store(env={**_env(database, variant), "CREATE_TABLE": "y"}).close()
            table[label] = {n: append_rate(database, variant, n, seconds) for n in writer_counts}
        finally:
            with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE "{database}" WITH (FORCE)')
    return table


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10, help="per measurement")
    parser.add_argument("--writers", default="1,2,4")
    args = parser.parse_args(argv)
    writer_counts = [int(n) for n in args.writers.split(",")]
    table = measure(writer_counts, args.seconds)
    print(f"{'events/s appended (one event per save)':<40}" + "".join(f"{f'{n} writer(s)':>14}" for n in writer_counts))
    for label, rates in table.items():
        print(f"{label:<40}" + "".join(f"{rates[n]:>14.0f}" for n in writer_counts))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "appends.json").write_text(json.dumps(
        {"seconds": args.seconds, "events_per_s": {label: {str(n): r for n, r in rates.items()}
                                                   for label, rates in table.items()}}, indent=2))


if __name__ == "__main__":
    main()
