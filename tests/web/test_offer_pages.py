"""Proactive offers in the browser, on the real suite: a hospital records a birth, the mother finds
the offer among her applications, sees what is known (her resident ID masked) and is asked only the
child's name and a phone; a confirm with nothing typed shows the errors as /apply does, then she
confirms and the application completes. Another birth's offer she declines, in English."""
from __future__ import annotations

import datetime as dt
import random

import grpc
import pytest

from deploy.sample_forms import unique_child_name
from lifeevents.departments.v1 import health_pb2
from lifeevents.v1 import applications_pb2 as pb
from tests.support.clients import Register
from tests.support.polling import eventually
from tests.web.browser import MOTHER, sign_in_as_demo_person
from tests.web.conftest import screenshot

pytestmark = pytest.mark.web


@pytest.fixture
def offer_of_a_birth(running_suite, tokens, applicants):
    """offer() -> application id: a hospital records a birth to the demo mother; her offer of it."""
    mother = applicants.citizen(MOTHER)
    with grpc.insecure_channel(running_suite.department_addresses["health"]) as channel:
        hospital = Register("health", channel, tokens.hospital())

        def offer() -> str:
            request = health_pb2.RecordBirthRequest(mother_id=MOTHER, sex="female", hospital="青岛市妇女儿童医院",
                                                    birth_weight_grams=3100)
            request.born_at.FromDatetime(dt.datetime.now(dt.timezone.utc) - dt.timedelta(
                minutes=random.randint(60, 6000), seconds=random.randint(0, 59)))
            event_id = hospital.stub.RecordBirth(request, metadata=hospital.metadata, timeout=10).event_id

            def found() -> str:
                offers = [a.application_id for s in mother.mine(page_size=100).applications
                          if s.status == pb.Application.OFFERED
                          and (a := mother.get(s.application_id)).offer.event_id == event_id]
                assert offers, "no offer yet"
                return offers[0]
            return eventually(found, timeout=30)

        yield offer


def test_the_mother_confirms_an_offer_with_what_it_asks_and_declines_another(new_page, offer_of_a_birth,
                                                                             applicant, accessible):
    application_id = offer_of_a_birth()
    page = new_page()
    page.goto("/applications")
    sign_in_as_demo_person(page)
    page.locator(f'[data-offer="{application_id}"] a').click()
    assert page.url.endswith(f"/offers/{application_id}")
    known = page.locator("[data-known]").inner_text()
    assert "370202********0022" in known and MOTHER not in page.content(), "her resident ID masked"
    assert page.locator('[data-known-field="birth_date"]').count() == 1
    fields = page.eval_on_selector_all("[data-confirm-form] [data-field]", "els => els.map(e => e.dataset.field)")
    assert fields == ["child_name", "contact_phone"], "only what is still to fill"
    accessible(page, "offer (zh)")
    screenshot(page, "offer-zh")
    page.locator("[data-confirm]").click()
    summary = page.locator("[data-error-summary]")
    assert summary.locator("a").count() == 2 and "请填写新生儿姓名" in summary.inner_text()
    accessible(page, "offer with errors (zh)")
    page.fill("#field-child_name", unique_child_name())
    page.fill("#field-contact_phone", "13805320001")
    page.locator("[data-confirm]").click()
    assert page.url.endswith(f"/applications/{application_id}")
    page.locator('[data-application-status="COMPLETED"]').wait_for(timeout=30_000)
    screenshot(page, "offer-confirmed-zh")

    declined_id = offer_of_a_birth()
    page.get_by_role("link", name="English").click()
    page.goto(f"/applications/{declined_id}")
    assert page.url.endswith(f"/offers/{declined_id}"), "an open offer is shown as its offer page"
    accessible(page, "offer (en)")
    page.fill("#field-decline_reason", "Registered in another city")
    page.locator("[data-decline]").click()
    assert page.locator("[data-application-status]").first.get_attribute("data-application-status") == "DECLINED"
    assert applicant.get(declined_id).status == pb.Application.DECLINED
    accessible(page, "offer declined (en)")
