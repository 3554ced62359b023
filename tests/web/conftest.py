"""Browser tests of the web front door: Playwright driving Debian's Chromium against the whole suite
(the session's `running_suite`) with the web app started as one more of its processes.

Every scenario ends with a screenshot in var/screenshots/ (git-ignored; `make screenshots` copies
two of them to docs/). Each page a scenario visits is scanned with axe-core; the summary of the
scans and the measured times are printed at the end of the run."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from deploy.suite import free_port

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"
CHROMIUM = os.environ.get("LIFEEVENTS_CHROMIUM", "/usr/bin/chromium")
# The machine has no internet: without these, Chromium's background connections fail noisily.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1100, "height": 900}


class Report:
    """What the run measured, printed after the tests (pytest_terminal_summary)."""
    axe: dict[str, dict[str, int]] = {}
    timings: list[str] = []


def pytest_terminal_summary(terminalreporter):
    if not Report.axe and not Report.timings:
        return
    write = terminalreporter.write_line
    terminalreporter.section("web front door")
    for line in Report.timings:
        write(line)
    if Report.axe:
        write("axe-core scan (violations by impact) of every page visited:")
        for page, impacts in sorted(Report.axe.items()):
            counts = ", ".join(f"{impact} {n}" for impact, n in sorted(impacts.items())) or "none"
            write(f"  {page:<40} {counts}")


@pytest.fixture(scope="session")
def web_metrics_port(running_suite) -> int:
    """The port of the web's Prometheus metrics (LIFEEVENTS_METRICS_ADDRESS, the web's own)."""
    return free_port()


@pytest.fixture(scope="session")
def web(running_suite, web_metrics_port):
    """The base URL of the web front door, started as a process of the suite."""
    running_suite.env["LIFEEVENTS_WEB_ADDRESS"] = f"127.0.0.1:{free_port()}"
    running_suite.own_env["web"] = {"LIFEEVENTS_METRICS_ADDRESS": f"127.0.0.1:{web_metrics_port}"}
    running_suite.restart("web")
    return f"http://{running_suite.web_address}"


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's Chromium (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, web):
    """new_page(viewport=..., javascript=True) -> a page in a fresh browser (its own cookies)."""
    contexts = []

    def make(viewport=DESKTOP, javascript: bool = True, locale: str = "zh-CN", base_url: str = ""):
        context = browser.new_context(viewport=viewport, java_script_enabled=javascript, locale=locale,
                                      timezone_id="Asia/Shanghai", base_url=base_url or web)
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture(scope="session")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def accessible(axe):
    """accessible(page, "name"): scan the page with axe-core; no serious or critical violation."""

    def check(page, name: str) -> None:
        page.wait_for_load_state()  # not while a redirect is still arriving
        results = axe.run(page)
        violations = results.response["violations"]
        impacts: dict[str, int] = {}
        for violation in violations:
            impacts[violation["impact"]] = impacts.get(violation["impact"], 0) + 1
        Report.axe[name] = impacts
        bad = [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
               for v in violations if v["impact"] in ("serious", "critical")]
        assert not bad, f"{name}: " + "; ".join(bad)

    return check
