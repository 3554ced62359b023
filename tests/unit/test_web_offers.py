"""Offers (proactive service) in the web against a fake Applications port: my applications list the
open offers first; the offer's page shows what is known (resident IDs masked) with where it came from
and asks only what the offer asks, with /apply's field errors; confirm and decline call the API with
the person's values and go to the application's page; an application no longer offered is its
ordinary page."""
from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from lifeevents.v1 import applications_pb2 as pb
from web import api as errors
from web.app import create_app
from tests.unit.test_web_pages import APPLICATION_ID, MOTHER, Clock, FakeApplications, csrf_of, settings
from tests.unit.test_web_worklist import FakeCases, sign_in


def offered() -> pb.Application:
    offer = pb.Offer(trigger="health.birth_recorded", asked=["child_name"], known=[
        pb.KnownItem(field="mother_id", value=MOTHER, kind="event", source="health.birth_recorded")])
    offer.expires_at.FromSeconds(1_700_000_000)
    return pb.Application(application_id=APPLICATION_ID, bundle="newborn", status=pb.Application.OFFERED, offer=offer)


@pytest.fixture
def api():
    fake = FakeApplications()
    fake.application = offered()
    fake.mine = pb.ListMineResponse(total=1, applications=[pb.ApplicationSummary(
        application_id=APPLICATION_ID, bundle="newborn", status=pb.Application.OFFERED, role="principal")])
    return fake


@pytest.fixture
def client(tmp_path, api):
    with TestClient(create_app(settings(tmp_path), api=api, clock=Clock(), cases=FakeCases()),
                    follow_redirects=False) as client:
        sign_in(client, resident_id=MOTHER)
        yield client


def test_my_applications_list_the_open_offer_and_its_page_shows_what_is_known_and_asks_the_rest(client):
    mine = client.get("/applications").text
    assert f'<li data-offer="{APPLICATION_ID}"><a href="/offers/{APPLICATION_ID}">' in mine
    assert client.get(f"/applications/{APPLICATION_ID}").headers["location"] == f"/offers/{APPLICATION_ID}"
    page = client.get(f"/offers/{APPLICATION_ID}").text
    assert "370202********0022" in page and MOTHER not in page, "masked"
    assert "医院出生登记" in page and "来自卫生健康委员会的登记" in page
    assert 'name="child_name"' in page and 'name="mother_id"' not in page, "only what the offer asks"


def test_confirm_shows_the_apis_field_errors_like_apply_then_goes_to_the_application(client, api):
    api.failures["confirm"] = errors.InvalidFields("1 bad field", (errors.FieldViolation("form.child_name", "required"),))
    page = client.post(f"/offers/{APPLICATION_ID}/confirm", data={"csrf_token": csrf_of(client, "/applications")})
    assert page.status_code == 400 and 'href="#field-child_name"' in page.text and "请填写新生儿姓名" in page.text
    del api.failures["confirm"]
    done = client.post(f"/offers/{APPLICATION_ID}/confirm", data={"csrf_token": csrf_of(client, "/applications"),
                                                                  "child_name": "王小明", "mother_id": "ignored"})
    assert done.headers["location"] == f"/applications/{APPLICATION_ID}"
    assert api.calls[-1] == ("confirm", APPLICATION_ID, {"child_name": "王小明"})


def test_decline_with_an_optional_reason_and_an_offer_no_longer_open(client, api):
    csrf = csrf_of(client, "/applications")
    too_long = client.post(f"/offers/{APPLICATION_ID}/decline", data={"csrf_token": csrf, "decline_reason": "x" * 501})
    assert too_long.status_code == 400 and 'href="#field-decline_reason"' in too_long.text
    done = client.post(f"/offers/{APPLICATION_ID}/decline", data={"csrf_token": csrf, "decline_reason": "已在外地办理"})
    assert done.headers["location"] == f"/applications/{APPLICATION_ID}"
    assert api.calls[-1] == ("decline", APPLICATION_ID, "已在外地办理")
    api.failures["decline"] = errors.Conflict("not an open offer")
    assert client.post(f"/offers/{APPLICATION_ID}/decline", data={"csrf_token": csrf}).status_code == 409
    api.application.status = pb.Application.DECLINED
    assert client.get(f"/offers/{APPLICATION_ID}").headers["location"] == f"/applications/{APPLICATION_ID}"
