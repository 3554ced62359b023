"""Every shipped example form (bundles/examples/<bundle>.json) is valid against the reference data
and reaches COMPLETED, as `make demo BUNDLE=<bundle>` shows it."""
import pytest

from deploy.sample_forms import EXAMPLES, example_form
from lifeevents.v1 import applications_pb2 as pb
from tests.support.polling import eventually

pytestmark = pytest.mark.e2e
BUNDLES = sorted(path.stem for path in EXAMPLES.glob("*.json"))


@pytest.mark.parametrize("bundle", BUNDLES)
def test_the_example_reaches_completed(bundle, applicant, coordinator_clock, front_desk):
    application_id = applicant.submit(example_form(bundle), bundle=bundle)
    if applicant.get(application_id).status == pb.Application.AWAITING_ACCEPTANCE:
        front_desk.accept(application_id)  # a bundle accepted at the front desk (前台受理)

    def settled() -> pb.Application | None:
        application = applicant.get(application_id)
        if any(s.status == pb.Step.WAITING for s in application.steps):
            coordinator_clock.advance(days=20, seconds=1)  # a notice period: move time, do not wait it out
        return application if application.status != pb.Application.IN_PROGRESS else None

    application = eventually(settled, timeout=30)
    assert application.status == pb.Application.COMPLETED, list(application.reasons)


def test_there_is_an_example_for_every_bundle(applicant):
    bundles = {b.id for b in applicant.stub.ListBundles(pb.ListBundlesRequest(), timeout=5).bundles}
    assert bundles == set(BUNDLES)
