"""The long fuzz run (`make fuzz`): at least 10,000 generated requests of the kinds issue 11 found
(tests/support/fuzz.py), over every RPC of both APIs, against a private suite. It prints the count
of answers per status code (and per RPC), then checks: no UNKNOWN, INTERNAL or hung call, no
RESOURCE_EXHAUSTED under the 4 MB transport limit, every INVALID_ARGUMENT names a field, no refused
request stored anything, no process crashed, and a valid newborn still completes afterwards.
Exits 1 if any check fails."""
from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
from pathlib import Path

import grpc
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from deploy.local import PrivateSuite
from deploy.sample_forms import newborn_form
from lifeevents.client import ApplicantClient
from lifeevents.v1 import applications_pb2 as pb
from tests.support import fuzz
from tests.support.controls import EventLog


def budgets(total: int) -> dict[str, int]:
    """Requests per RPC: a few for those without fields, the rest shared by the others."""
    methods = fuzz.rpcs()
    empty = [m for m in methods if not m.input_type.fields]
    share = -(-(total - 10 * len(empty)) // (len(methods) - len(empty)))
    return {m.full_name: 10 if m in empty else share for m in methods}


def fuzz_one(channel, method, targets: fuzz.Targets, credentials: fuzz.Credentials, examples: int,
             record: fuzz.Check) -> None:
    """`examples` generated requests to one RPC, each answer recorded (no shrinking: this is a count)."""
    @settings(max_examples=examples, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def run(data):
        record(fuzz.call(channel, method, data.draw(fuzz.requests_for(method, targets)), credentials))

    run()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10_000)
    args = parser.parse_args(argv)
    started = time.monotonic()
    counts: collections.Counter = collections.Counter()
    per_method: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    problems: list[str] = []
    slowest = 0.0
    with PrivateSuite(Path(tempfile.mkdtemp(prefix="lifeevents-fuzz-"))) as suite:
        print(f"fuzz: suite log {suite.log_path}", flush=True)
        credentials = fuzz.Credentials.of_suite(suite.data_dir)
        with ApplicantClient(suite.coordinator_address, credentials.citizen, timeout=30) as applicant:
            made = [applicant.submit(newborn_form()) for _ in range(3)]
            for application_id in made:
                applicant.settle(application_id)
            log = EventLog(suite.data_dir)
            # Settled targets get no event from any request (an accepted one on them changes nothing either).
            before, head, accepted = log.originators() - set(made), log.head(), set()
            targets = fuzz.Targets(made)
            options = [("grpc.max_send_message_length", 8 * 1024 * 1024)]
            with grpc.insecure_channel(suite.coordinator_address, options=options) as channel:
                for method in fuzz.rpcs():
                    def record(answer: fuzz.Answer) -> None:
                        nonlocal slowest
                        counts[answer.code.name] += 1
                        per_method[answer.method][answer.code.name] += 1
                        slowest = max(slowest, answer.seconds)
                        problems.extend(fuzz.problems_with(answer))
                        if (stored := fuzz.stored_by(answer)) is not None:
                            accepted.add(stored)

                    fuzz_one(channel, method, targets, credentials, budgets(args.requests)[method.full_name], record)
                    print(f"  {method.containing_service.name}.{method.name}: "
                          f"{dict(per_method[method.name].most_common())}", flush=True)
            last = log.head()
            stored_by_refused = log.originators_after(head) - log.data_access_logs() - before - accepted
            crashed = [name for name, process in suite.processes.items() if process.poll() is not None]
            newborn = applicant.settle(applicant.submit(newborn_form()))
    total = sum(counts.values())
    print(f"fuzz: {total} requests in {time.monotonic() - started:.0f} s; answers by status: "
          + ", ".join(f"{code} {n}" for code, n in counts.most_common()))
    print(f"fuzz: notification log head {head} -> {last} ({len(accepted)} applications and delegations accepted)")
    print(f"fuzz: slowest answer {slowest:.2f} s; problems {len(problems)}; applications stored by refused "
          f"requests {len(stored_by_refused)}; crashed processes {crashed or 'none'}; a valid newborn afterwards: "
          f"{pb.Application.Status.Name(newborn.status)}")
    for problem in problems[:20]:
        print(f"  problem: {problem}")
    failed = problems or stored_by_refused or crashed or newborn.status != pb.Application.COMPLETED \
        or total < args.requests
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
