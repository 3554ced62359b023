"""The web front door is operable like the other processes: Prometheus metrics on its own
LIFEEVENTS_METRICS_ADDRESS (requests by route pattern, never a path with an id; the API's answers),
and SIGTERM stops it gracefully, within its grace period, even with a live page open."""
from __future__ import annotations

import re
import signal
import time
import urllib.request

import pytest

from deploy.sample_forms import newborn_form, unique_child_name
from deploy.suite import free_port, reachable
from tests.web.browser import sign_in_as_demo_person

pytestmark = pytest.mark.web


def test_the_web_counts_its_requests_by_route_and_the_apis_answers_in_its_metrics(new_page, applicant,
                                                                                   web_metrics_port):
    application_id = applicant.submit(newborn_form())
    applicant.settle(application_id)
    page = new_page()
    page.goto(f"/applications/{application_id}")
    sign_in_as_demo_person(page)
    page.goto("/applications/00000000-0000-0000-0000-000000000000")
    text = urllib.request.urlopen(f"http://127.0.0.1:{web_metrics_port}/metrics", timeout=5).read().decode()
    ok = re.search(r'lifeevents_web_requests_total\{method="GET",route="/applications/\{application_id\}",'
                   r'status="200"\} (\d+)', text)
    assert ok and int(ok.group(1)) >= 1
    assert re.search(r'lifeevents_web_requests_total\{method="GET",route="/applications/\{application_id\}",'
                     r'status="404"\}', text)
    assert application_id not in text, "routes by pattern, never a path"
    assert re.search(r'lifeevents_web_api_answers_total\{code="NOT_FOUND",method="Applications/Get"\} [1-9]', text)
    assert "lifeevents_web_request_seconds_bucket" in text and "lifeevents_web_live_streams" in text


def test_sigterm_stops_the_web_gracefully_with_a_live_page_open(running_suite, new_page, applicant, department_outage):
    address = f"127.0.0.1:{free_port()}"
    running_suite.start_process("web#2", env={"LIFEEVENTS_WEB_ADDRESS": address})
    process = running_suite.processes["web#2"]
    application_id = ""
    stop_department, restore_department = department_outage
    try:
        deadline = time.monotonic() + 30
        while not reachable("127.0.0.1", int(address.rpartition(":")[2]), 0.2):
            assert process.poll() is None and time.monotonic() < deadline, "the second web did not start"
            time.sleep(0.2)
        # Held in progress however slow the machine is: medical insurance (asked for nothing at Submit)
        # is down until the end of the test, so the enrolment waits in its queue.
        stop_department("medical_insurance")
        application_id = applicant.submit(newborn_form(child_name=unique_child_name()))
        page = new_page(base_url=f"http://{address}")
        page.goto(f"/applications/{application_id}")
        sign_in_as_demo_person(page)
        assert page.locator("[data-application-status]").get_attribute("data-application-status") == "IN_PROGRESS"
        page.wait_for_function("() => document.getElementById('live-status').textContent !== ''")  # streaming

        stopped = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(10) == 0
        took = time.monotonic() - stopped
        print(f"web stopped {took:.2f} s after SIGTERM with a live page open")
        assert took < 8, "within its grace period (2 s for live pages), not killed at a timeout"
        log = running_suite.log_path.read_text(encoding="utf-8")
        lines = [line for line in log.splitlines() if re.match(r"\s*web#2 \|", line)]
        assert any("stopping: closing the channel to the coordinator" in line for line in lines)
        assert any(line.rstrip().endswith("stopped") for line in lines)
        assert not any("Traceback" in line for line in lines), "\n".join(lines[-40:])
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        running_suite.processes.pop("web#2", None)
        if application_id:
            restore_department("medical_insurance")
            applicant.settle(application_id)  # leaves nothing running for the next test
