"""Bad input at the door, class by class (issue 11): each is a typed refusal naming its field, quoting
at most a short prefix of what it refuses, and nothing reaches a use case."""
import datetime as dt
import json
import time

import grpc
import pytest
from google.protobuf import struct_pb2, timestamp_pb2

from lifeevents.identifiers import InvalidIdentifier, parse_credit_code, parse_resident_id
from lifeevents.text import quote
from lifeevents.v1 import applications_pb2 as pb
from saga.domain.errors import FormInvalid
from saga.domain.forms import validate_form
from saga.entrypoints import requests
from saga.entrypoints.applications_api import ApplicationsServicer
from saga.entrypoints.errors import Refused, status
from tests.support.fakes import MOTHER, ROOT, STARTUP_FORM, shipped_bundles
from tests.support.identity import LocalTokens

BUNDLES = shipped_bundles()
NEWBORN, STARTUP, RETIREMENT = BUNDLES.get("newborn"), BUNDLES.get("startup"), BUNDLES.get("retirement")
EXAMPLE = {**json.loads((ROOT / "bundles" / "examples" / "newborn.json").read_text(encoding="utf-8")),
           "mailing_address": "山东省青岛市市南区香港中路10号2单元301户", "mother_name": "李秀英"}
TODAY = dt.date(2026, 11, 22)
FULL_WIDTH = "３７０２０２１９９２０５１４００２２"  # 370202199205140022 in full-width digits
DEVANAGARI = "".join(chr(0x0966 + int(d)) for d in "370202199205140022")


def errors_of(bundle, form) -> dict:
    with pytest.raises(FormInvalid) as err:
        validate_form(bundle, form, TODAY)
    return {e.field: e.description for e in err.value.errors}


def struct(values: dict) -> struct_pb2.Struct:
    form = struct_pb2.Struct()
    form.update(values)
    return form


def nest(value: struct_pb2.Value, levels: int, inner: str) -> None:
    """Make `value` hold a string `levels` structures (or lists) deep, in place (protobuf would refuse to
    copy it past its parsing depth, about 33 levels of Struct)."""
    for _ in range(levels):
        value = value.struct_value.fields["a"] if inner == "struct_value" else value.list_value.values.add()
    value.string_value = "x"


# 1. Unhandled values --------------------------------------------------------------------------------
@pytest.mark.parametrize("number", [float("nan"), float("inf"), float("-inf")])
def test_a_non_finite_number_is_refused_naming_the_field(number):
    with pytest.raises(Refused) as refusal:
        requests.form_values(struct_pb2.Struct(fields={"child_name": struct_pb2.Value(number_value=number)}))
    assert refusal.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert refusal.value.violations == [("form.child_name", "not a finite number (NaN and Infinity are refused)")]


def test_a_page_token_of_25_nines_is_refused_naming_it():
    with pytest.raises(Refused) as refusal:
        requests.page_offset("9" * 25)
    assert refusal.value.violations[0][0] == "page_token"


@pytest.mark.parametrize("seconds, nanos", [(253402300800, 0), (-62135596801, 0), (0, -1), (0, 1_000_000_000)])
def test_a_moment_out_of_the_timestamp_range_is_refused_naming_it(seconds, nanos):
    with pytest.raises(Refused) as refusal:
        requests.moment("at", timestamp_pb2.Timestamp(seconds=seconds, nanos=nanos))
    assert refusal.value.violations[0][0] == "at"


def test_numbers_are_taken_only_where_the_field_is_numeric_and_converted_explicitly():
    capital = validate_form(STARTUP, {**STARTUP_FORM, "registered_capital": 300000.0}, TODAY)["registered_capital"]
    assert capital == "300000"
    assert "must be a string, not a number" in errors_of(NEWBORN, {**EXAMPLE, "contact_phone": 13805320001.0})[
        "form.contact_phone"]
    assert "true or false" in errors_of(NEWBORN, {**EXAMPLE, "child_name": True})["form.child_name"]
    assert "whole number of yuan" in errors_of(STARTUP, {**STARTUP_FORM, "registered_capital": 1.5})[
        "form.registered_capital"]


# 2. Deep structures: the form's shape is decided at the door, without descending --------------------
@pytest.mark.parametrize("inner", ["struct_value", "list_value"])
def test_a_nested_value_is_refused_naming_the_field_without_descending(inner):
    form = struct({"birth_hospital": "x"})
    nest(form.fields["child_name"], 90, inner)
    started = time.perf_counter()
    with pytest.raises(Refused) as refusal:
        requests.form_values(form)
    assert time.perf_counter() - started < 0.5
    assert refusal.value.violations == [
        ("form.child_name", "a form value is a single string or number, not a nested list or structure")]


def test_a_flat_form_passes_as_scalars():
    assert requests.form_values(struct({"a": "x", "b": 2, "c": True, "d": None})) == \
        {"a": "x", "b": 2.0, "c": True, "d": None}


def test_a_refused_request_logs_nothing_at_warning_or_above(caplog, coordinator, wiring, tmp_path):
    tokens = LocalTokens(tmp_path)
    servicer = ApplicationsServicer(coordinator, wiring.queries, tokens.verifier())
    request = pb.SubmitRequest(bundle="newborn")
    nest(request.form.fields["child_name"], 30, "struct_value")

    class Context:
        def invocation_metadata(self):
            return (("authorization", f"Bearer {tokens.citizen(MOTHER.subject)}"),)

        def abort(self, code, details, trailing_metadata):
            raise Refused(code, details)

    with pytest.raises(Refused):
        servicer.Submit(request, Context())
    assert not [r for r in caplog.records if r.levelname in ("WARNING", "ERROR", "CRITICAL")]


# 3. Echoed input: quote a short prefix, collapse many unknown keys -----------------------------------
def test_a_quote_is_a_short_prefix():
    assert quote("x" * 17000) == repr("x" * 40) + "…"
    assert quote("abc") == "'abc'"
    assert "\\u202e" in quote("a\u202eb"), "format characters show escaped"


def test_a_17_kb_application_id_is_refused_with_a_short_message():
    with pytest.raises(Refused) as refusal:
        requests.application_id("7" * 17000)
    field, description = refusal.value.violations[0]
    assert field == "application_id" and len(description) < 100 and len(refusal.value.message) < 100


def test_300_unknown_keys_collapse_into_one_violation():
    errors = errors_of(NEWBORN, {**EXAMPLE, **{f"key{i}": "x" for i in range(300)}})
    assert list(errors) == ["form"]
    assert errors["form"].startswith("300 unknown field(s), e.g. 'key0', 'key1', 'key2'")
    assert len(errors["form"]) < 400


def test_a_few_unknown_plain_keys_are_named_one_by_one():
    assert {"form.shoe_size", "form.hat_size"} <= set(errors_of(NEWBORN, {**EXAMPLE, "shoe_size": "38", "hat_size": "1"}))


def test_an_odd_unknown_key_is_quoted_not_put_in_a_field_path():
    errors = errors_of(NEWBORN, {**EXAMPLE, "k" * 5000: "x"})
    assert list(errors) == ["form"] and len(errors["form"]) < 400


def test_the_status_cuts_what_a_refusal_carries():
    ending = status(grpc.StatusCode.INVALID_ARGUMENT, "m" * 100_000, [("f", "d" * 100_000)] * 1000)
    assert sum(len(v) for _, v in ending.trailing_metadata) < 40_000 and len(ending.details) < 600


# 4. Every stored string has a declared maximum; GetForm tells the limits -----------------------------
@pytest.mark.parametrize("field, value", [("idempotency_key", "k" * 4_000_000), ("reason", "r" * 1_000_000),
                                          ("reason", "r" * 501), ("objector", "o" * 101), ("objector_role", "r" * 51),
                                          ("agent", "3" * 19)])
def test_an_oversized_string_is_refused_naming_it(field, value):
    check = requests.token if field == "idempotency_key" else requests.optional
    with pytest.raises(Refused) as refusal:
        check(field, value)
    assert refusal.value.violations[0][0] == field and "at most" in refusal.value.violations[0][1]


def test_an_idempotency_key_is_printable_ascii():
    assert requests.token("idempotency_key", "order-2026/11:abc") == "order-2026/11:abc"
    with pytest.raises(Refused):
        requests.token("idempotency_key", "键 with blanks")


@pytest.mark.parametrize("field, value", [("child_name", "王" * 201), ("birth_hospital", "医" * 201),
                                          ("contact_phone", "1" * 12), ("mother_id", "3" * 19)])
def test_a_form_value_longer_than_its_field_allows_is_refused(field, value):
    assert field in {f.removeprefix("form.") for f in errors_of(NEWBORN, {**EXAMPLE, field: value})}


def test_get_form_tells_each_fields_limits(coordinator, wiring, tmp_path):
    servicer = ApplicationsServicer(coordinator, wiring.queries, LocalTokens(tmp_path).verifier())
    form = servicer.GetForm(pb.GetFormRequest(bundle="newborn"), None)
    fields = {f.name: f for f in form.fields}
    assert fields["mother_id"].pattern == "^[0-9]{17}[0-9X]$" and fields["mother_id"].max_length == 18
    assert fields["contact_phone"].pattern == "^1[3-9][0-9]{9}$"
    assert fields["birth_date"].not_after_today and fields["birth_date"].max_length == 10
    assert fields["child_name"].max_length == 200 and not fields["child_name"].HasField("minimum")
    startup = servicer.GetForm(pb.GetFormRequest(bundle="startup"), None)
    capital = next(f for f in startup.fields if f.name == "registered_capital")
    assert (capital.minimum, capital.maximum) == (1, 100_000_000_000)
    retirement = servicer.GetForm(pb.GetFormRequest(bundle="retirement"), None)
    years = next(f for f in retirement.fields if f.name == "contribution_years")
    assert (years.type, years.minimum, years.maximum) == ("number", 0, 60)


# 5. Identifiers in other scripts ---------------------------------------------------------------------
@pytest.mark.parametrize("number", [FULL_WIDTH, DEVANAGARI, "37020219920514002２"])
def test_a_resident_id_in_other_digits_is_refused(number):
    with pytest.raises(InvalidIdentifier):
        parse_resident_id(number, TODAY)
    assert "form.mother_id" in errors_of(NEWBORN, {**EXAMPLE, "mother_id": number})


def test_a_credit_code_in_full_width_is_refused():
    with pytest.raises(InvalidIdentifier):
        parse_credit_code("９１３７０２０２ＭＡ３ＣＬＫＥＧ７Ｘ")


@pytest.mark.parametrize("phone", ["１３８０５３２０００１", "".join(chr(0x0966 + int(d)) for d in "13805320001")])
def test_a_phone_in_other_digits_is_refused(phone):
    assert "form.contact_phone" in errors_of(NEWBORN, {**EXAMPLE, "contact_phone": phone})


@pytest.mark.parametrize("date", ["２０２６-11-18", "2026-11-1८"])
def test_a_date_in_other_digits_is_refused(date):
    assert "form.birth_date" in errors_of(NEWBORN, {**EXAMPLE, "birth_date": date})


# 6. Garbage text and numbers ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["王\x00小明", "王\u200b小明", "王\u202e小明", "王\ufeff小明", "王\n小明", "王\u2066小明"])
def test_control_and_format_characters_are_refused_in_text(name):
    description = errors_of(NEWBORN, {**EXAMPLE, "child_name": name})["form.child_name"]
    assert "control or format character" in description


def test_a_registered_capital_of_4300_nines_is_refused():
    errors = errors_of(STARTUP, {**STARTUP_FORM, "registered_capital": "9" * 4300})
    assert "form.registered_capital" in errors and len(errors["form.registered_capital"]) < 200


@pytest.mark.parametrize("capital, ok", [("100000000000", True), ("100000000001", False), ("0", False),
                                         ("1_000", False), ("１０００", False), ("-5", False)])
def test_a_registered_capital_is_within_its_declared_range(capital, ok):
    form = {**STARTUP_FORM, "registered_capital": capital}
    if ok:
        assert validate_form(STARTUP, form, TODAY)["registered_capital"] == capital
    else:
        assert "form.registered_capital" in errors_of(STARTUP, form)
