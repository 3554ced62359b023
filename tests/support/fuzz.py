"""Hostile requests for every RPC of both APIs, generated with Hypothesis from the services'
descriptors (a new RPC is fuzzed too), of the kinds issue 11 found: non-finite numbers, nested
forms, oversized and echoed values, identifiers in other scripts' digits, control and format
characters, out-of-range moments and page tokens, YAML of the wrong shape and alias bombs, garbage
bytes. Also: the one place the fuzz client gets its credentials (`Credentials`, `call_metadata`: every
call authenticated, as a citizen the generated forms name, or as an admin), what an acceptable
answer is (`problems_with`), and what an accepted request may store (`stored_by`)."""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import grpc
from google.protobuf import descriptor as descriptor_types
from google.protobuf import message_factory, struct_pb2, timestamp_pb2
from hypothesis import strategies as st

from deploy.local import LocalTokens
from deploy.sample_forms import MOTHER, example_form, newborn_form
from lifeevents.client import bad_request_fields
from lifeevents.v1 import applications_pb2, commitments_pb2, operations_pb2
from saga.domain.delegation import Delegation

SERVICES = (applications_pb2.DESCRIPTOR.services_by_name["Applications"],
            operations_pb2.DESCRIPTOR.services_by_name["Operations"],
            commitments_pb2.DESCRIPTOR.services_by_name["Commitments"])
TRANSPORT_LIMIT = 4 * 1024 * 1024
NEVER = (grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL, grpc.StatusCode.DEADLINE_EXCEEDED)
BUNDLES = ("newborn", "startup", "retirement", "deregistration", "deregistration_simplified")
STEPS = ("birth_certificate", "household_registration", "notice_period", "business_registration", "x")


def rpcs() -> list[descriptor_types.MethodDescriptor]:
    """Every RPC of the Applications, Operations and Commitments APIs, from their descriptors."""
    return [method for service in SERVICES for method in service.methods]


@dataclass(frozen=True)
class Credentials:
    """The tokens the fuzz client sends, so that requests get past authentication to the checks
    behind it: to the Applications API the mother the generated forms name (a principal of the
    targets, so Get, Watch and Submit reach their use cases), to the Operations API an admin (every
    operator action is open to one)."""

    citizen: str
    admin: str

    @classmethod
    def of_suite(cls, data_dir: Path) -> "Credentials":
        tokens = LocalTokens(data_dir)
        return cls(tokens.citizen(MOTHER), tokens.admin())


def call_metadata(method: descriptor_types.MethodDescriptor, credentials: Credentials) -> tuple[tuple[str, str], ...]:
    """The bearer token of the call (ListBundles and GetForm take it too, and need none)."""
    token = credentials.admin if method.containing_service.name == "Operations" else credentials.citizen
    return (("authorization", f"Bearer {token}"),)


# -- values ----------------------------------------------------------------------------------------------
def _digits(text: str, zero: int) -> str:
    return "".join(chr(ord(c) - 48 + zero) if c.isdigit() else c for c in text)


RESIDENT_ID = "370202199205140022"
AGENT = "63010219930930048X"  # a 帮办代办员 the mother may delegate to
ODD_STRINGS = (
    "", " ", "NaN", "nan", "inf", "-inf", "Infinity", "-1", "0", "1e999", "9" * 25, "9" * 4300,
    _digits(RESIDENT_ID, 0xFF10), _digits(RESIDENT_ID, 0x0966), _digits("13805320001", 0x0966),
    "王\u202e小明", "王\u200b小明", "王\x00小明", "\ufeff", "\u2066x\u2069", "null", "true", "[]", "{}",
    "2026-13-45", "２０２６-11-18", "urn:uuid:" + str(uuid.UUID(int=1)), "{" + str(uuid.UUID(int=2)) + "}",
)
YAML_BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f'{chr(98 + i)}: &{chr(98 + i)} [' + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8))
YAML_TEXTS = ("steps: [1]", "fields: {a: 1}", "id: newborn\nsteps: {x: {wait: 99999999999999d}}", YAML_BOMB,
              "a: " + "[" * 60 + "]" * 60, "a: !!python/object:os.system x", "a: 2026-13-45", "- " * 5000,
              "id: newborn\nfields: {mother_id: {type: resident_id, max_length: 99999}}")

small_strings = st.one_of(st.text(max_size=40), st.sampled_from(ODD_STRINGS),
                          st.text(st.characters(categories=["Cc", "Cf", "Nd"]), max_size=12))
strings = st.one_of(small_strings, small_strings, small_strings,
                    st.integers(100, 300_000).map(lambda n: "x" * n),
                    st.sampled_from((17_000, 1_000_000, 4_000_000)).map(lambda n: "9" * n))


@dataclass
class Targets:
    """Real ids the generated requests may name (applications the fuzz run made), besides made-up ones."""

    application_ids: list[str] = field(default_factory=lambda: [str(uuid.UUID(int=7))])


def string_for(name: str, targets: Targets) -> st.SearchStrategy[str]:
    by_name: dict[str, st.SearchStrategy[str]] = {
        "application_id": st.sampled_from(targets.application_ids) | st.uuids().map(str),
        "bundle": st.sampled_from(BUNDLES),
        "bundle_yaml": st.sampled_from(YAML_TEXTS),
        "step": st.sampled_from(STEPS),
        "status": st.sampled_from(("IN_PROGRESS", "COMPLETED", "FAILED", "in_progress")),
        "department": st.sampled_from(("health", "tax", "HEALTH")),
        "page_token": st.integers(0, 10**30).map(str),
        "agent": st.sampled_from((AGENT, MOTHER, "63010219930930048x")),
    }
    return st.one_of(by_name[name], strings) if name in by_name else strings


def timestamps() -> st.SearchStrategy[timestamp_pb2.Timestamp]:
    return st.builds(timestamp_pb2.Timestamp,
                     seconds=st.integers(-2**63, 2**63 - 1) | st.integers(-62135596800, 253402300799),
                     nanos=st.integers(-2**31, 2**31 - 1) | st.integers(0, 999_999_999))


FORM_FIELDS = sorted({*newborn_form(), *example_form("startup"), *example_form("retirement"), "x", "mother_id"})
form_scalars = st.one_of(small_strings, st.floats(), st.booleans(), st.none(), st.integers(-10**20, 10**20))


def _struct(values: dict, nested: tuple[str, int, str] | None = None) -> struct_pb2.Struct:
    """The form as a Struct; `nested` = (field, levels, "struct" or "list") puts a value that deep, in
    place (protobuf refuses to copy one deeper than it parses)."""
    form = struct_pb2.Struct()
    form.update(values)
    if nested:
        name, levels, kind = nested
        value = form.fields[name]
        for _ in range(levels):
            value = value.struct_value.fields["a"] if kind == "struct" else value.list_value.values.add()
        value.string_value = "x"
    return form


def forms() -> st.SearchStrategy[struct_pb2.Struct]:
    bases = st.sampled_from([newborn_form(), example_form("startup"), example_form("retirement"), {}])
    changed = st.builds(lambda base, changes: {**base, **changes}, bases,
                        st.dictionaries(st.sampled_from(FORM_FIELDS), form_scalars, max_size=3))
    odd = st.dictionaries(st.text(max_size=30), form_scalars, max_size=8)
    many = st.integers(20, 400).map(lambda n: {f"k{i}": "v" for i in range(n)})
    long_key = st.integers(100, 20_000).map(lambda n: {"k" * n: "v"})
    flat = st.one_of(changed, changed, odd, many, long_key)
    nested = st.tuples(st.sampled_from(FORM_FIELDS), st.integers(1, 150), st.sampled_from(("struct", "list")))
    return st.one_of(flat.map(_struct), st.builds(_struct, changed, nested))


def message_of(descriptor: descriptor_types.Descriptor, targets: Targets) -> st.SearchStrategy:
    """A message of this type with any of its fields set to hostile values."""
    if descriptor.full_name == "google.protobuf.Timestamp":
        return timestamps()
    if descriptor.full_name == "google.protobuf.Struct":
        return forms()
    cls = message_factory.GetMessageClass(descriptor)
    values = {f.name: st.none() | (st.lists(_value_of(f, targets), max_size=60) if _repeated(f)
                                   else _value_of(f, targets)) for f in descriptor.fields}

    def build(chosen: dict):
        message = cls()
        for name, value in chosen.items():
            if value is None:
                continue
            target = descriptor.fields_by_name[name]
            if _repeated(target) and target.message_type is not None:
                for item in value:
                    getattr(message, name).add().CopyFrom(item)
            elif _repeated(target):
                getattr(message, name).extend(value)
            elif target.message_type is not None:
                getattr(message, name).CopyFrom(value)
            else:
                setattr(message, name, value)
        return message

    return st.fixed_dictionaries(values).map(build)


def _repeated(f: descriptor_types.FieldDescriptor) -> bool:
    """A list of values (a map is one too, of entries; the requests fuzzed here have none)."""
    return f.is_repeated


def _value_of(f: descriptor_types.FieldDescriptor, targets: Targets) -> st.SearchStrategy:
    kinds = {f.TYPE_STRING: lambda: string_for(f.name, targets), f.TYPE_BOOL: st.booleans,
             f.TYPE_INT32: lambda: st.integers(-2**31, 2**31 - 1) | st.integers(-5, 600),
             f.TYPE_INT64: lambda: st.integers(-2**63, 2**63 - 1) | st.integers(-5, 50),
             f.TYPE_UINT32: lambda: st.integers(0, 2**32 - 1), f.TYPE_DOUBLE: st.floats,
             f.TYPE_MESSAGE: lambda: message_of(f.message_type, targets)}
    if f.type == f.TYPE_ENUM:
        return st.sampled_from([v.number for v in f.enum_type.values])
    return kinds[f.type]()


def requests_for(method: descriptor_types.MethodDescriptor, targets: Targets) -> st.SearchStrategy[bytes]:
    """Serialized requests for the method: generated messages, and now and then raw garbage."""
    messages = message_of(method.input_type, targets).map(lambda m: m.SerializeToString())
    return st.one_of(messages, messages, messages, st.binary(max_size=300))


# -- calls and answers -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Answer:
    method: str
    code: grpc.StatusCode
    fields: dict
    details: str
    request_bytes: int
    seconds: float
    response: bytes = b""


def call(channel: grpc.Channel, method: descriptor_types.MethodDescriptor, request: bytes, credentials: Credentials,
         timeout: float = 15) -> Answer:
    """Send the request's bytes, authenticated; read a stream to its end."""
    path = f"/{method.containing_service.full_name}/{method.name}"
    metadata = call_metadata(method, credentials)
    started = time.perf_counter()
    try:
        if method.server_streaming:
            responses = list(channel.unary_stream(path)(request, timeout=timeout, metadata=metadata))
            response = responses[-1] if responses else b""
        else:
            response = channel.unary_unary(path)(request, timeout=timeout, metadata=metadata)
        return Answer(method.name, grpc.StatusCode.OK, {}, "", len(request), time.perf_counter() - started, response)
    except grpc.RpcError as err:
        return Answer(method.name, err.code(), bad_request_fields(err), err.details() or "", len(request),
                      time.perf_counter() - started)


def problems_with(answer: Answer) -> list[str]:
    """What is wrong with an answer: UNKNOWN, INTERNAL or a hung call for anything; UNAUTHENTICATED (the
    fuzz client's token is good: a hostile request must be judged behind authentication, not before
    it); RESOURCE_EXHAUSTED under the transport limit; an INVALID_ARGUMENT that names no field; an
    error too large to read."""
    problems = []
    if answer.code in NEVER or answer.code == grpc.StatusCode.UNAUTHENTICATED:
        problems.append(f"{answer.method}: {answer.code.name} {answer.details[:200]!r}")
    if answer.code == grpc.StatusCode.RESOURCE_EXHAUSTED and answer.request_bytes < TRANSPORT_LIMIT - 1024:
        problems.append(f"{answer.method}: RESOURCE_EXHAUSTED for {answer.request_bytes} bytes: {answer.details[:200]!r}")
    if answer.code == grpc.StatusCode.INVALID_ARGUMENT and not answer.fields:
        problems.append(f"{answer.method}: INVALID_ARGUMENT naming no field: {answer.details[:200]!r}")
    if len(answer.details) > 1000 or sum(len(k) + len(v) for k, v in answer.fields.items()) > 60_000:
        problems.append(f"{answer.method}: an error of {len(answer.details)} characters echoes too much")
    return problems


def stored_by(answer: Answer) -> str | None:
    """What an accepted request stored events to (its id): the application a Submit created (or a
    Withdraw, a Rate or a CloseFollowUp changed), the delegation a grant or a revocation changed. (Reads are recorded in people's data-access logs,
    refused ones too, by design: those are not counted here.)"""
    if answer.code != grpc.StatusCode.OK:
        return None
    if answer.method == "Submit":
        return applications_pb2.SubmitResponse.FromString(answer.response).application_id
    if answer.method == "Withdraw":
        return applications_pb2.Application.FromString(answer.response).application_id
    if answer.method == "Rate":  # a settled application takes a rating: an accepted change to it
        return applications_pb2.Rating.FromString(answer.response).application_id
    if answer.method == "CloseFollowUp":
        return operations_pb2.FollowUp.FromString(answer.response).application_id
    if answer.method in ("GrantDelegation", "RevokeDelegation"):
        delegation = applications_pb2.Delegation.FromString(answer.response)
        return str(Delegation.id_for(delegation.principal, delegation.agent, delegation.bundle))
    return None


Check = Callable[[Answer], None]
