"""A bundle's proactive trigger is data, checked at load against the catalogue: the event exists, the
prefilled names are form fields, their sources are payload fields (or lookups the catalogue has),
and whom the offer is made to is one of the bundle's principals and is prefilled. Each problem names
the file and the item."""
import copy

import pytest
import yaml

from saga.domain.errors import BundleDefinitionError
from saga.domain.parser import parse_bundle
from tests.support.fakes import ROOT, shipped_bundles, shipped_catalogue

CATALOGUE = shipped_catalogue()
NEWBORN = yaml.safe_load((ROOT / "bundles" / "newborn.yaml").read_text(encoding="utf-8"))


def broken(change) -> str:
    data = copy.deepcopy(NEWBORN)
    change(data["proactive"] if "proactive" in data else data)
    with pytest.raises(BundleDefinitionError) as err:
        parse_bundle(data, "broken.yaml", CATALOGUE)
    assert str(err.value).startswith("broken.yaml: ")
    return str(err.value)


def test_the_shipped_triggers_load_with_their_sources():
    bundles = shipped_bundles()
    newborn, retirement = bundles.get("newborn").proactive, bundles.get("retirement").proactive
    assert newborn.event.key == "health.birth_recorded" and newborn.principals == ("mother_id",)
    assert {name: item.payload for name, item in newborn.prefill.items() if item.payload} == {
        "mother_id": "mother_id", "birth_date": "birth_date", "child_sex": "sex", "birth_hospital": "hospital"}
    assert newborn.prefill["father_name"].source == "civil_registration.spouse_of"
    assert newborn.confirm_within.days == 30 and newborn.remind_after.days == 15
    assert retirement.event.key == "social_security.retirement_age_approaching"
    assert bundles.get("startup").proactive is None


def test_the_event_must_be_in_the_catalogue():
    assert "proactive.on: no event 'health.twins_recorded' in the department catalogue (known: " \
           "health.birth_recorded, social_security.retirement_age_approaching)" in \
           broken(lambda p: p.update({True: "health.twins_recorded"}))


def test_a_quoted_on_key_is_read_as_the_bare_one():
    data = copy.deepcopy(NEWBORN)
    data["proactive"]["on"] = data["proactive"].pop(True)
    assert parse_bundle(data, "quoted.yaml", CATALOGUE).proactive.event.key == "health.birth_recorded"


def test_a_prefilled_name_must_be_a_field():
    assert "proactive.prefill.child_weight: no form field 'child_weight'" in \
           broken(lambda p: p["prefill"].update(child_weight="event.birth_weight_grams"))


def test_a_source_must_be_a_payload_field_of_the_event():
    message = broken(lambda p: p["prefill"].update(child_name="event.name"))
    assert "proactive.prefill.child_name: health.birth_recorded has no payload field 'name' (it has: " in message


def test_a_source_is_the_event_or_a_lookup():
    assert "proactive.prefill.child_name: 'a name' is neither event.<payload field> nor {lookup: ...}" in \
           broken(lambda p: p["prefill"].update(child_name="a name"))


def test_a_lookup_must_be_in_the_catalogue_and_keyed_by_what_the_event_prefilled():
    message = broken(lambda p: p["prefill"].update(
        father_id={"lookup": {"query": "civil_registration.partner", "key": "mother_id", "value": "resident_id"}},
        father_name={"lookup": {"query": "civil_registration.spouse_of", "key": "child_name", "value": "name"}}))
    assert "proactive.prefill.father_id.lookup.query: no lookup 'civil_registration.partner'" in message
    assert "proactive.prefill.father_name.lookup.key: 'child_name' is not prefilled from the event" in message


def test_the_principal_must_be_one_of_the_bundles_and_prefilled():
    assert "proactive.principals: 'child_name' is not one of the bundle's principals (mother_id, father_id)" in \
           broken(lambda p: p.update(principals=["child_name"]))
    message = broken(lambda p: (p.update(principals=["father_id"]), p["prefill"].pop("father_id")))
    assert "proactive.principals: father_id is not prefilled, so the offer would go to nobody" in message


def test_the_window_must_be_a_duration_and_unknown_keys_are_named():
    message = broken(lambda p: p.update(confirm_within="a month", starts="now"))
    assert "proactive.confirm_within: 'a month' is not a duration" in message
    assert "proactive.'starts': not one of on, principals, confirm_within, prefill" in message


def test_the_catalogue_declares_each_events_payload():
    catalogue = CATALOGUE.departments
    assert catalogue["health"].events["birth_recorded"].payload[:2] == ("birth_record_no", "mother_id")
    assert "retirement_date" in catalogue["social_security"].events["retirement_age_approaching"].payload
