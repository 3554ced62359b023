"""Where one bundle's time and CPU go. Time, hop by hop, from the timestamps each application
records (dispatched, decided by the department, settled) and what the client measured; CPU, per
process, from /proc while a load runs."""
from __future__ import annotations

import os
import statistics

from lifeevents.client import ApplicantClient

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rabbitmq_pid() -> int | None:
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                    if b"beam" in cmdline.read().split(b"\0")[0]:
                        return int(entry)
            except OSError:
                continue
    return None


class CpuMeter:
    """CPU seconds used by each named process between start() and per_bundle()."""

    def __init__(self, pids: dict[str, int]):
        self.pids = {name: pid for name, pid in pids.items() if pid}
        self.before: dict[str, float] = {}

    def start(self) -> None:
        self.before = {name: cpu_seconds(pid) for name, pid in self.pids.items()}

    def per_bundle_ms(self, bundles: int) -> dict[str, float]:
        used = {name: cpu_seconds(pid) - self.before[name] for name, pid in self.pids.items()}
        return {name: round(seconds * 1000 / max(bundles, 1), 2) for name, seconds in used.items() if seconds > 0}


def _ms(later, earlier) -> float:
    return (later.ToDatetime() - earlier.ToDatetime()).total_seconds() * 1000


def hops(address: str, token: str, outcome, sample: int = 200) -> dict[str, float]:
    """Median milliseconds of each hop over a sample of completed applications."""
    applicant = ApplicantClient(address, token)
    there, back, coordinator_total, watch_tail = [], [], [], []
    pairs = list(zip(outcome.completed_ids, outcome.latencies, outcome.submit_seconds))[:sample]
    for application_id, latency, submit_s in pairs:
        application = applicant.get(application_id)
        for step in application.steps:
            if step.HasField("decided_at"):
                there.append(_ms(step.decided_at, step.dispatched_at))
                back.append(_ms(step.settled_at, step.decided_at))
        total = _ms(application.settled_at, application.submitted_at)
        coordinator_total.append(total)
        watch_tail.append(latency * 1000 - submit_s * 1000 - total)
    applicant.close()
    median = lambda values: round(statistics.median(values), 2) if values else float("nan")  # noqa: E731
    return {
        "submit_rpc": median([s * 1000 for _, _, s in pairs]),
        "command_out_and_department": median(there),
        "answer_back_and_store": median(back),
        "submitted_to_settled": median(coordinator_total),
        "after_settled_until_client_sees_it": median(watch_tail),
    }
