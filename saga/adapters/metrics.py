"""The coordinator's Prometheus metrics (served by lifeevents.observability.serve_metrics): what the
relay, the followers, the consumers and the partition leases do, and applications by status, read
from the read models when scraped."""
from __future__ import annotations

from typing import Callable, Iterable

from prometheus_client import REGISTRY, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily

COMMANDS_PUBLISHED = Counter("lifeevents_commands_published_total",
                             "Step commands the relay published, by department", ["department"])
COMMANDS_RESENT = Counter("lifeevents_commands_resent_total",
                          "Commands published again because no answer came (chases, operators' retries)",
                          ["department"])
DEAD_LETTERS = Counter("lifeevents_dead_letters_total", "Dead letters seen by the coordinator, by who gave up",
                       ["consumer"])
RESULTS_RECORDED = Counter("lifeevents_results_recorded_total", "Department answers recorded")
STEP_SECONDS = Histogram("lifeevents_step_seconds", "From sending a step's command to its answer, per department",
                         ["department"], buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600, 86400))
LAG = Gauge("lifeevents_follower_lag_events", "Events of the log a follower has not reached (relay, projections)",
            ["follower"])
PARTITION_OWNED = Gauge("lifeevents_partition_owned", "1 for each partition whose results this instance consumes",
                        ["partition"])
ROLE = Gauge("lifeevents_role", "1 while this instance holds the role (relay, projections)", ["role"])


def set_partitions(owned: Iterable[int], partitions: int) -> None:
    owned = set(owned)
    for partition in range(partitions):
        PARTITION_OWNED.labels(f"{partition:02d}").set(1 if partition in owned else 0)


class ApplicationsByStatus:
    """A collector: the number of applications by status, counted in the read models when scraped."""

    def __init__(self, counts: Callable[[], dict[str, int]]):
        self.counts = counts

    def collect(self):
        family = GaugeMetricFamily("lifeevents_applications", "Applications by status (read models)",
                                   labels=["status"])
        try:
            for status, count in sorted(self.counts().items()):
                family.add_metric([status], count)
        except Exception:  # the read side is unavailable: no figure rather than a failed scrape
            pass
        yield family


_APPLICATIONS = ApplicationsByStatus(dict)
REGISTRY.register(_APPLICATIONS)


def register_applications(counts: Callable[[], dict[str, int]]) -> None:
    """Where the applications-by-status figure comes from (the running coordinator's read models)."""
    _APPLICATIONS.counts = counts
