"""The officers' paths as `make demo BUNDLE=<bundle> OFFICER=1` shows them: each shipped officer example
(bundles/examples/officer/) goes to an officer of its department, who approves it with the command
line (`lifeevents officer queue`, then `approve`), and reaches COMPLETED, the step recorded as
decided by that officer."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from deploy.sample_forms import EXAMPLES
from lifeevents.endpoints import port_variable
from lifeevents.v1 import applications_pb2 as pb
from tests.support.applications import step

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
OFFICER_EXAMPLES = sorted(path.stem for path in (EXAMPLES / "officer").glob("*.json"))
REVIEWED = {"retirement": ("retirement_approval", "social_security"),
            "startup": ("business_registration", "market_regulation")}


def test_there_is_an_officer_example_for_each_bundle_with_an_officers_rule():
    assert OFFICER_EXAMPLES == sorted(REVIEWED)


@pytest.mark.parametrize("bundle", OFFICER_EXAMPLES)
def test_make_demo_officer_shows_the_officer_approving_with_the_command_line(bundle, running_suite, applicant):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LIFEEVENTS_DATA_DIR": str(running_suite.data_dir),
           **{port_variable(d): address.rpartition(":")[2]
              for d, address in running_suite.department_addresses.items()}}
    done = subprocess.run([sys.executable, "-m", "deploy.demo", str(EXAMPLES / "officer" / f"{bundle}.json"),
                           "--bundle", bundle, "--officer", "--address", running_suite.coordinator_address],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    step_id, department = REVIEWED[bundle]
    shown = done.stdout
    assert f"StepWithOfficer  {step_id} ({department})" in shown
    assert "$ lifeevents officer approve" in shown and "decided by demo-officer-01: completed" in shown
    assert "status: COMPLETED" in shown
    application_id = shown.split("application ", 1)[1].split(" ", 1)[0]
    form = json.loads((EXAMPLES / "officer" / f"{bundle}.json").read_text(encoding="utf-8"))
    application = applicant.applicants.of_form(bundle, form).get(application_id)
    assert application.status == pb.Application.COMPLETED
    assert step(application, step_id).decided_by == "demo-officer-01"
