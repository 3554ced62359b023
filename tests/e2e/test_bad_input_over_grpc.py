"""Bad input and overload at the door, over gRPC against the running suite (issue 11): each class is
a typed refusal naming its field, small, stored nowhere; malformed department answers are
dead-lettered and their step flagged; health waits for every department; reflection v1 answers.
Every call carries a good token (the mother's, whom the forms name; an admin's): the refusals are
the door's, behind authentication."""
import json
import time

import grpc
import pika
import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, struct_pb2, timestamp_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc

from deploy.local import AMQP_URI
from deploy.sample_forms import MOTHER, newborn_form
from lifeevents.client import bad_request_fields
from lifeevents.messaging import CONTENT_TYPE, RESULT_TYPE
from lifeevents.reflection.v1 import reflection_pb2, reflection_pb2_grpc
from lifeevents.v1 import applications_pb2 as pb
from lifeevents.v1 import applications_pb2_grpc as pb_grpc
from lifeevents.v1 import operations_pb2 as ops
from lifeevents.v1 import steps_pb2
from tests.support.applications import step
from tests.support.polling import eventually

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def channel(running_suite):
    with grpc.insecure_channel(running_suite.coordinator_address) as channel:
        yield channel


class Authenticated:
    """The Applications stub with every call made as the person the token names."""

    def __init__(self, stub: pb_grpc.ApplicationsStub, token: str):
        self.stub, self.metadata = stub, (("authorization", f"Bearer {token}"),)

    def __getattr__(self, method: str):
        call = getattr(self.stub, method)
        return lambda request, **options: call(request, metadata=self.metadata, **options)


@pytest.fixture(scope="module")
def stub(channel, tokens):
    return Authenticated(pb_grpc.ApplicationsStub(channel), tokens.citizen(MOTHER))


def refusal(call) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as err:
        call()
    return err.value


def submit_request(form: dict | None = None, **fields) -> pb.SubmitRequest:
    request = pb.SubmitRequest(bundle="newborn", **fields)
    request.form.update(form if form is not None else newborn_form())
    return request


def nest(value: struct_pb2.Value, levels: int) -> None:
    for _ in range(levels):
        value = value.struct_value.fields["a"]
    value.string_value = "x"


def test_nested_form_values_are_invalid_argument_naming_the_field_or_the_request(stub):
    shallow = submit_request()
    nest(shallow.form.fields["child_name"], 20)
    err = refusal(lambda: stub.Submit(shallow, timeout=10))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and "form.child_name" in bad_request_fields(err)
    deep = submit_request()
    nest(deep.form.fields["child_name"], 200)  # deeper than protobuf parses: the request does not decode
    err = refusal(lambda: stub.Submit(deep, timeout=10))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and "request" in bad_request_fields(err)


def test_a_non_finite_number_is_invalid_argument_naming_the_field(stub):
    request = submit_request()
    request.form.fields["birth_hospital"].number_value = float("nan")
    err = refusal(lambda: stub.Submit(request, timeout=10))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and "form.birth_hospital" in bad_request_fields(err)


def test_echoed_input_stays_small(stub):
    err = refusal(lambda: stub.Get(pb.GetRequest(application_id="9" * 17_000), timeout=10))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and len(err.details()) < 200
    assert len(bad_request_fields(err)["application_id"]) < 200
    err = refusal(lambda: stub.Submit(submit_request({**newborn_form(), **{f"k{i}": "v" for i in range(300)}}),
                                      timeout=10))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and list(bad_request_fields(err)) == ["form"]


def test_oversized_strings_are_refused_naming_them(stub, applicant):
    err = refusal(lambda: stub.Submit(submit_request(idempotency_key="k" * 4_000_000), timeout=30))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and "idempotency_key" in bad_request_fields(err)
    application_id = applicant.submit(newborn_form())
    err = refusal(lambda: stub.Object(pb.ObjectRequest(application_id=application_id, objector="某人",
                                                       reason="r" * 1_000_000), timeout=30))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and "reason" in bad_request_fields(err)


def test_get_form_tells_the_limits(stub):
    fields = {f.name: f for f in stub.GetForm(pb.GetFormRequest(bundle="newborn"), timeout=10).fields}
    assert fields["mother_id"].pattern == "^[0-9]{17}[0-9X]$" and fields["birth_date"].not_after_today
    assert all(f.max_length > 0 for f in fields.values())


def test_identifiers_in_other_digits_are_refused_at_the_door(stub):
    full_width = "".join(chr(ord(c) - 48 + 0xFF10) if c.isdigit() else c for c in "370202199205140022")
    err = refusal(lambda: stub.Submit(submit_request(newborn_form(mother_id=full_width)), timeout=10))
    assert "form.mother_id" in bad_request_fields(err)


def test_operator_requests_out_of_range_are_invalid_argument(admin, applicant):
    application_id = applicant.submit(newborn_form())
    for request, field in (
            (ops.ReplayRequest(application_id=application_id, at=timestamp_pb2.Timestamp(seconds=10**12),
                               reason="ticket 1"), "at"),
            (ops.ReplayRequest(application_id=application_id, at=timestamp_pb2.Timestamp(nanos=-1),
                               reason="ticket 1"), "at"),
            (ops.ListApplicationsRequest(page_token="9" * 25), "page_token")):
        call = admin.Replay if isinstance(request, ops.ReplayRequest) else admin.ListApplications
        err = refusal(lambda: call(request))
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and field in bad_request_fields(err)


def test_what_if_yaml_of_the_wrong_shape_or_a_bomb_is_invalid_argument_at_once(admin, applicant):
    application_id = applicant.submit(newborn_form())
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
        f'{chr(98 + i)}: &{chr(98 + i)} [' + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8))
    for text in ("steps: [1]", "id: newborn\nfields: {a: 1}", "steps: {x: {wait: 99999999999999d}}", bomb):
        started = time.perf_counter()
        err = refusal(lambda: admin.WhatIf(ops.WhatIfRequest(application_id=application_id, bundle_yaml=text)))
        assert time.perf_counter() - started < 2
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and "bundle_yaml" in bad_request_fields(err)


def test_undecodable_bytes_are_invalid_argument_for_every_unary_method(channel, tokens):
    for service in (pb.DESCRIPTOR.services_by_name["Applications"], ops.DESCRIPTOR.services_by_name["Operations"]):
        for method in service.methods:
            call = (channel.unary_stream if method.server_streaming else channel.unary_unary)(
                f"/{service.full_name}/{method.name}")
            metadata = (("authorization", f"Bearer {tokens.admin()}"),)
            try:
                result = call(b"\xff\xff\xff\xff", timeout=10, metadata=metadata)
                if method.server_streaming:
                    list(result)
                pytest.fail(f"{method.name} took garbage")
            except grpc.RpcError as err:
                assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, (method.name, err.code(), err.details())


# -- answers -------------------------------------------------------------------------------------------
def publish_result(topology, result: steps_pb2.StepResult) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(AMQP_URI))
    try:
        # As a department answers: to the partition its command named as reply_to.
        connection.channel().basic_publish(topology.results_exchange, topology.reply_to(result.application_id),
                                           result.SerializeToString(),
                                           pika.BasicProperties(content_type=CONTENT_TYPE, type=RESULT_TYPE,
                                                                message_id=result.command_id, delivery_mode=2))
    finally:
        connection.close()


def command_id_of(operator, application_id: str, step_id: str) -> str:
    history = operator.GetHistory(ops.GetHistoryRequest(application_id=application_id,
                                                        reason="the test reads the command it answers"))
    return next(json.loads(e.payload_json)["command_id"] for e in history.events
                if e.type == "StepDispatched" and e.step == step_id)


def test_malformed_answers_are_dead_lettered_and_their_step_flagged(running_suite, applicant, operator,
                                                                    department_outage, dead_letters):
    stop, restore = department_outage
    stop("health")  # the commands wait in health's queue; the answers below come from elsewhere
    malformed = {
        "another department": dict(department="tax", outcome=steps_pb2.StepResult.COMPLETED,
                                   outputs={"birth_certificate_no": "Q1"}),
        "no outcome": dict(department="health", outcome=steps_pb2.StepResult.OUTCOME_UNSPECIFIED),
        "undeclared results": dict(department="health", outcome=steps_pb2.StepResult.COMPLETED,
                                   outputs={"birth_certificate_no": "Q1", "surprise": "1"}),
    }
    applications = {kind: applicant.submit(newborn_form()) for kind in malformed}
    for kind, fields in malformed.items():
        application_id = applications[kind]
        publish_result(running_suite.topology, steps_pb2.StepResult(
            command_id=command_id_of(operator, application_id, "birth_certificate"), application_id=application_id,
            step="birth_certificate", **fields))
    for kind, application_id in applications.items():
        failed = eventually(lambda: (a := applicant.get(application_id)).status == pb.Application.FAILED and a, 20)
        assert "malformed StepResult" in step(failed, "birth_certificate").reason, kind
        assert step(failed, "birth_certificate").status == pb.Step.FAILED
    letters = {letter.application_id: letter for letter in dead_letters.list()}
    for application_id in applications.values():
        assert letters[application_id].consumer == "coordinator"
        assert "malformed StepResult" in letters[application_id].error
    restore("health")


# -- readiness -----------------------------------------------------------------------------------------
def health_status(channel) -> int:
    return health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5).status


def test_health_waits_for_every_department_and_a_lookup_of_a_missing_one_is_unavailable(channel, stub,
                                                                                          department_outage):
    stop, restore = department_outage
    # SERVING once every department answers (one restarted by an earlier test may just be back).
    eventually(lambda: health_status(channel) == health_pb2.HealthCheckResponse.SERVING, 10)
    stop("civil_registration")
    eventually(lambda: health_status(channel) == health_pb2.HealthCheckResponse.NOT_SERVING, 10)
    err = refusal(lambda: stub.Submit(submit_request(newborn_form(mailing_address=None)), timeout=10))
    assert err.code() == grpc.StatusCode.UNAVAILABLE and "civil_registration" in err.details()
    assert not bad_request_fields(err), "not a field error asking to type the data in"
    restore("civil_registration")
    eventually(lambda: health_status(channel) == health_pb2.HealthCheckResponse.SERVING, 10)


# -- reflection v1 -------------------------------------------------------------------------------------
def test_a_v1_only_reflection_client_finds_and_calls_the_api(channel):
    reflect = reflection_pb2_grpc.ServerReflectionStub(channel)

    def ask(**request):
        [response] = list(reflect.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(**request)]),
                                                       timeout=10))
        return response

    services = {s.name for s in ask(list_services="").list_services_response.service}
    assert {"lifeevents.v1.Applications", "lifeevents.v1.Operations", "grpc.health.v1.Health",
            "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"} <= services
    protos: dict[str, descriptor_pb2.FileDescriptorProto] = {}

    def keep(files):
        for raw in files:
            proto = descriptor_pb2.FileDescriptorProto.FromString(raw)
            protos.setdefault(proto.name, proto)

    keep(ask(file_containing_symbol="lifeevents.v1.Applications").file_descriptor_response.file_descriptor_proto)
    while missing := {d for p in protos.values() for d in p.dependency} - protos.keys():
        for name in missing:
            keep(ask(file_by_filename=name).file_descriptor_response.file_descriptor_proto)
    pool, added = descriptor_pool.DescriptorPool(), set()

    def add(name):
        if name not in added:
            for dependency in protos[name].dependency:
                add(dependency)
            pool.Add(protos[name])
            added.add(name)

    for name in list(protos):
        add(name)
    method = pool.FindServiceByName("lifeevents.v1.Applications").FindMethodByName("GetForm")
    request_cls = message_factory.GetMessageClass(method.input_type)
    response_cls = message_factory.GetMessageClass(method.output_type)
    get_form = channel.unary_unary("/lifeevents.v1.Applications/GetForm",
                                   request_serializer=request_cls.SerializeToString,
                                   response_deserializer=response_cls.FromString)
    form = get_form(request_cls(bundle="newborn"), timeout=10)
    assert {f.name for f in form.fields} >= {"mother_id", "child_name"}
