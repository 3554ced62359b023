"""`make bench-ops`: how long replaying one application takes, and how fast the read models are
rebuilt from the log, over a SQLite event store of at least 100,000 events.

The store is written through the coordinator's own domain (bench/memory.py: simplified
deregistrations waiting out their notice, 4 events each), plus completed newborn applications
(12 events each) whose replay is timed, with the aggregate cache off so each replay reads and
applies the whole stream."""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bench.figures import percentile
from bench.memory import DroppingBus, populate
from deploy.sample_forms import MOTHER, newborn_form
from lifeevents.identity import Principal, Role
from saga.adapters.bundle_files import load_bundles, load_catalogue
from saga.adapters.projection_store import projections_datastore
from saga.adapters.read_models import ReadModels, ReadModelsView
from saga.adapters.timers import TimerIndex, TimerView
from saga.bootstrap import wire
from saga.config import Config
from saga.coordinator import Coordinator

ANSWERS = {"birth_certificate": {"birth_certificate_no": "Q1"}, "household_registration": {"child_id": "C1"},
           "vaccination_record": {"vaccination_record_no": "V1"}, "social_security_card": {"card_no": "S1"},
           "medical_insurance": {"insured_no": "M1"}}


class AnsweringBus(DroppingBus):
    """Remembers what was sent, so the benchmark can answer it in-process."""

    def __init__(self):
        self.sent = []

    def send(self, dispatches) -> None:
        self.sent.extend(dispatches)


def completed_newborns(data_dir: Path, count: int) -> list[str]:
    bus = AnsweringBus()
    wiring = wire(Config(data_dir=data_dir, create_schema=True), bus=bus)
    coordinator = wiring.coordinator
    ids = []
    for _ in range(count):
        application_id = coordinator.submit("newborn", newborn_form(), caller=Principal(MOTHER, Role.CITIZEN))
        while bus.sent:
            dispatch = bus.sent.pop(0)
            coordinator.record_result(application_id, dispatch.step, dispatch.command_id, True, ANSWERS[dispatch.step])
        ids.append(str(application_id))
    wiring.close()
    return ids


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000, help="at least this many events in the store")
    parser.add_argument("--replays", type=int, default=200)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        data_dir = Path(directory)
        newborn_ids = completed_newborns(data_dir, args.replays)
        written = populate(data_dir, max(0, (args.events - 12 * args.replays + 3) // 4))
        config = Config(data_dir=data_dir)
        coordinator = Coordinator(load_bundles(config.bundles_dir, load_catalogue(config.catalogue_file)),
                                  env={**config.event_store_env(), "AGGREGATE_CACHE_MAXSIZE": ""})
        total = coordinator.recorder.max_notification_id()
        replays = []
        for application_id in newborn_ids:
            started = time.perf_counter()
            application = coordinator.get_application(application_id)
            replays.append((time.perf_counter() - started) * 1000)
            assert application.status == "COMPLETED" and application.version == 12
        results = {}
        projections = projections_datastore(data_dir / "rebuilt-projections.sqlite")
        projections.create(())
        for name, projection in (("read models", ReadModels(ReadModelsView(projections))),
                                 ("timer index", TimerIndex(TimerView(projections)))):
            started = time.perf_counter()
            read = projection.rebuild(coordinator.recorder, coordinator.mapper)
            results[name] = (read, time.perf_counter() - started)
        projections.close()
        coordinator.close()
    print(f"event store: SQLite, {total} events ({written['applications']} waiting applications, "
          f"{len(newborn_ids)} completed newborns)")
    print(f"replay of one newborn application (12 events, no cache): median {statistics.median(replays):.2f} ms, "
          f"p90 {percentile(replays, 0.9):.2f} ms, max {max(replays):.2f} ms over {len(replays)}")
    for name, (read, seconds) in results.items():
        print(f"rebuild of the {name}: {read} events in {seconds:.1f} s = {read / seconds:,.0f} events/s")


if __name__ == "__main__":
    main()
