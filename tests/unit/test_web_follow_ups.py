"""The operators' follow-ups of bad ratings and the ratings chart against a fake Operations port: the
list by state with each follow-up's level, comment and due date; closing one needs a rectification
(at most 1000 characters) and sends it with the operator's token; the API's refusal is said at the
field; a citizen is refused; the statistics page draws the ratings per bundle by level."""
from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from lifeevents.v1 import operations_pb2 as ops
from web import api as errors
from web.api import FieldViolation
from web.app import create_app
from tests.unit.test_web_pages import APPLICATION_ID, MOTHER, Clock, FakeApplications, settings
from tests.unit.test_web_staff_pages import FakeOperations, sign_in_staff
from tests.unit.test_web_worklist import FakeCases, form_csrf, sign_in

FOLLOW_UP = "fu-1"
PAGE = "/operations/follow-ups"


class FollowUpOperations(FakeOperations):
    async def list_follow_ups(self, token, state="", page_size=20, page_token=""):
        self._call("list_follow_ups", state, token)
        follow_up = ops.FollowUp(follow_up_id=FOLLOW_UP, application_id=APPLICATION_ID, bundle="newborn",
                                 level="DISSATISFIED", comment="窗口排队太久", overdue=True,
                                 step_levels={"birth_certificate": "VERY_DISSATISFIED"})
        return ops.ListFollowUpsResponse(follow_ups=[follow_up], total=1)

    async def close_follow_up(self, follow_up_id, rectification, token):
        self._call("close_follow_up", follow_up_id, rectification, token)
        return ops.FollowUp(follow_up_id=follow_up_id)


@pytest.fixture
def operations():
    fake = FollowUpOperations()
    fake.statistics.bundles[0].ratings.update({"VERY_SATISFIED": 5, "DISSATISFIED": 2})
    return fake


@pytest.fixture
def client(tmp_path, operations):
    with TestClient(create_app(settings(tmp_path), api=FakeApplications(), operations=operations, clock=Clock(),
                               cases=FakeCases()), follow_redirects=False) as client:
        yield client


def test_an_operator_lists_follow_ups_by_state_and_closes_one_with_the_rectification(client, operations):
    sign_in_staff(client, "operator")
    page = client.get(f"{PAGE}?state=overdue").text
    assert f'data-follow-up="{FOLLOW_UP}"' in page and "不满意" in page and "窗口排队太久" in page
    assert operations.calls[-1][:2] == ("list_follow_ups", "overdue")
    assert client.get(f"{PAGE}?state=nonsense").status_code == 200 and operations.calls[-1][1] == "open"
    empty = client.post(f"{PAGE}/close", data={"csrf_token": form_csrf(client, PAGE), "follow_up_id": FOLLOW_UP})
    assert empty.status_code == 400 and f'href="#field-rectification-{FOLLOW_UP}"' in empty.text
    assert not [c for c in operations.calls if c[0] == "close_follow_up"]
    done = client.post(f"{PAGE}/close", data={"csrf_token": form_csrf(client, PAGE), "follow_up_id": FOLLOW_UP,
                                              "rectification": "增开窗口"})
    assert done.status_code == 303
    name, follow_up_id, rectification, token = operations.calls[-1]
    assert (name, follow_up_id, rectification) == ("close_follow_up", FOLLOW_UP, "增开窗口") and token
    operations.failures["close_follow_up"] = errors.InvalidFields(
        "bad", (FieldViolation("follow_up_id", "closed already"),))
    refused = client.post(f"{PAGE}/close", data={"csrf_token": form_csrf(client, PAGE), "follow_up_id": FOLLOW_UP,
                                                 "rectification": "again"})
    assert refused.status_code == 400 and "closed already" in refused.text


def test_a_citizen_gets_no_follow_ups_and_the_statistics_draw_the_ratings(client, operations):
    sign_in(client, resident_id=MOTHER)
    assert client.get(PAGE).status_code == 403
    assert client.post(f"{PAGE}/close", data={"follow_up_id": FOLLOW_UP, "rectification": "x"}).status_code == 403
    sign_in_staff(client, "operator")
    page = client.get("/operations/statistics").text
    assert 'data-figure="ratings"' in page and "非常满意" in page
