"""The web front door speaks TLS to a coordinator that serves TLS (LIFEEVENTS_TLS_CERT set: the
coordinator's certificate is the trust root, or LIFEEVENTS_TLS_CA), anonymous and signed-in calls
alike; without the trust root it gets no answer and says "try again shortly"."""
from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from saga.adapters.projection_store import projections_datastore
from saga.bootstrap import wire
from saga.config import Config
from saga.entrypoints.applications_api import ApplicationsServicer
from saga.entrypoints.operations_api import OperationsServicer
from saga.entrypoints.server import CoordinatorServer
from tests.integration.test_tls import self_signed
from tests.support.fakes import RecordingBus
from tests.support.identity import LocalTokens
from web.app import create_app
from web.config import WebSettings

pytestmark = pytest.mark.integration
MOTHER = "370202199205140022"


@pytest.fixture
def coordinator_over_tls(tmp_path, monkeypatch):
    self_signed(tmp_path)
    monkeypatch.setenv("LIFEEVENTS_TLS_CERT", str(tmp_path / "cert.pem"))
    monkeypatch.setenv("LIFEEVENTS_TLS_KEY", str(tmp_path / "key.pem"))
    config = Config(data_dir=tmp_path, event_store="memory", grpc_address="127.0.0.1:0", create_schema=True)
    wiring = wire(config, bus=RecordingBus(), projections=projections_datastore())
    verifier = LocalTokens(tmp_path).verifier()
    server = CoordinatorServer(ApplicationsServicer(wiring.coordinator, wiring.queries, verifier),
                               OperationsServicer(wiring.coordinator, wiring.queries, None, verifier),
                               config.grpc_address, tls=config.tls)
    port = server.start()
    yield f"127.0.0.1:{port}"
    server.stop(0)
    wiring.close()


def web_settings(tmp_path, address: str, **env: str) -> WebSettings:
    # The web shares the coordinator's data directory here, so its development sign-in signs with the
    # key the coordinator trusts.
    return WebSettings.from_env({"LIFEEVENTS_DATA_DIR": str(tmp_path), "LIFEEVENTS_GRPC_ADDRESS": address,
                                 "LIFEEVENTS_WEB_SESSION_SECRET": "test", **env})


def test_the_web_trusts_the_coordinators_certificate_and_calls_it_over_tls(tmp_path, coordinator_over_tls):
    settings = web_settings(tmp_path, coordinator_over_tls, LIFEEVENTS_TLS_CERT=str(tmp_path / "cert.pem"))
    assert settings.coordinator_ca == str(tmp_path / "cert.pem")
    with TestClient(create_app(settings), follow_redirects=False) as browser:
        home = browser.get("/")
        assert home.status_code == 200 and "出生一件事" in home.text, "ListBundles over TLS"
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/sign-in").text).group(1)
        browser.post("/sign-in", data={"csrf_token": csrf, "kind": "resident_id", "resident_id": MOTHER})
        mine = browser.get("/applications")
        assert mine.status_code == 200 and "还没有申请" in mine.text, "ListMine with her token over TLS"


def test_a_ca_file_is_trusted_too_and_without_one_the_coordinator_does_not_answer(tmp_path, coordinator_over_tls):
    trusting = web_settings(tmp_path, coordinator_over_tls, LIFEEVENTS_TLS_CA=str(tmp_path / "cert.pem"))
    with TestClient(create_app(trusting)) as browser:
        assert browser.get("/").status_code == 200
    plain = web_settings(tmp_path, coordinator_over_tls)
    assert plain.coordinator_ca == ""
    with TestClient(create_app(plain)) as browser:
        page = browser.get("/")
        assert page.status_code == 503 and "请稍后再试" in page.text
