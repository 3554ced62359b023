"""The front desk's path as `make demo BUNDLE=deregistration` shows it: the ordinary deregistration waits
for the front desk (AWAITING_ACCEPTANCE), an officer of the front desk accepts it with the command line
(`lifeevents frontdesk queue`, then `accept`), and it reaches COMPLETED; `lifeevents frontdesk return`
names a field and its reason, and refuses a field that is not the form's."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from deploy.sample_forms import EXAMPLES, new_company_form
from tests.support.applications import step
from lifeevents.endpoints import port_variable

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(running_suite):
    return {**os.environ, "PYTHONPATH": str(ROOT), "LIFEEVENTS_DATA_DIR": str(running_suite.data_dir),
            **{port_variable(d): address.rpartition(":")[2] for d, address in running_suite.department_addresses.items()}}


def frontdesk(running_suite, env, *argv) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lifeevents.cli", "--address", running_suite.coordinator_address,
                           "frontdesk", *argv], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_make_demo_deregistration_shows_the_front_desk_accepting_with_the_command_line(running_suite, env, applicant,
                                                                                    tmp_path):
    # The example's company is closed once per register (tests/e2e/test_examples.py): a company of its own.
    company = new_company_form("startup")
    opened = applicant.settle(applicant.submit(company, bundle="startup"))
    form = {**json.loads((EXAMPLES / "deregistration.json").read_text(encoding="utf-8")),
            "credit_code": step(opened, "business_registration").result["credit_code"],
            "legal_rep_id": company["legal_rep_id"]}
    (tmp_path / "deregistration.json").write_text(json.dumps(form, ensure_ascii=False), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "deploy.demo", str(tmp_path / "deregistration.json"),
                           "--bundle", "deregistration", "--address", running_suite.coordinator_address],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    shown = done.stdout
    assert "$ lifeevents frontdesk accept" in shown and "accepted by demo-front-desk-01" in shown
    assert "status: COMPLETED" in shown


def test_the_command_line_returns_a_case_with_a_reason_per_field(running_suite, env, applicant):
    application_id = applicant.submit({"credit_code": "91370202900000014F", "reason": "business_ended",
                                       "legal_rep_id": "370202199003070011"},
                                      bundle="deregistration")
    refused = frontdesk(running_suite, env, "return", application_id, "--field", "nope=x")
    assert refused.returncode == 1 and "INVALID_ARGUMENT" in refused.stdout and "reasons[nope]" in refused.stdout
    returned = frontdesk(running_suite, env, "return", application_id, "--field", "reason=请核对注销原因")
    assert returned.returncode == 0, returned.stdout + returned.stderr
    assert "RETURNED" in returned.stdout and "to correct: reason: 请核对注销原因" in returned.stdout
    again = frontdesk(running_suite, env, "accept", application_id)
    assert again.returncode == 1 and "FAILED_PRECONDITION" in again.stdout
