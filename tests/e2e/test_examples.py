"""Every shipped example form (bundles/examples/<bundle>.json) is valid against the reference data
and reaches COMPLETED, as `make demo BUNDLE=<bundle>` shows it."""
import json
import time
from pathlib import Path

import pytest

from lifeevents.v1 import applications_pb2 as pb

pytestmark = pytest.mark.e2e
EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "bundles" / "examples").glob("*.json"))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_the_example_reaches_completed(example, applicant, coordinator_clock):
    application_id = applicant.submit(json.loads(example.read_text(encoding="utf-8")), bundle=example.stem)
    deadline = time.monotonic() + 30
    while (application := applicant.get(application_id)).status == pb.Application.IN_PROGRESS:
        if any(s.status == pb.Step.WAITING for s in application.steps):
            coordinator_clock.advance(days=20, seconds=1)  # a notice period: move time, do not wait it out
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert application.status == pb.Application.COMPLETED, list(application.reasons)


def test_there_is_an_example_for_every_bundle(applicant):
    bundles = {b.id for b in applicant.stub.ListBundles(pb.ListBundlesRequest(), timeout=5).bundles}
    assert bundles == {p.stem for p in EXAMPLES}
