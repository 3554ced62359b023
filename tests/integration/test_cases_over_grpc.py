"""A department's worklist over its own nameko process, the real RabbitMQ and gRPC on loopback
(nameko-grpc): a command asking for an officer opens a case and answers with progress; the
department's officers list, claim and decide it over `lifeevents.departments.v1.Cases` with their own
tokens, each change told to the coordinator's queue (progress with the officer, then the StepResult
with decided_by); another department's officer, a citizen, a service or nobody are refused; bad
requests are typed errors naming the field."""
from __future__ import annotations

import datetime as dt
import uuid

import grpc
import pika
import pytest

from lifeevents.client import bad_request_fields
from lifeevents.departments.v1 import cases_pb2 as pb
from lifeevents.departments.v1 import cases_pb2_grpc as pb_grpc
from lifeevents.messaging import PROGRESS_TYPE, RESULT_TYPE
from lifeevents.v1 import steps_pb2
from tests.integration.test_departments_over_rabbitmq import Department
from tests.support.broker import declared_topology
from tests.support.identity import LocalTokens
from tests.support.polling import eventually

pytestmark = pytest.mark.integration
SPECIAL = {"resident_id": "370202196810010353", "birth_date": "1968-10-01", "sex": "male", "post_type": "special"}
GAP = {"resident_id": "63010219630512071X", "birth_date": "1963-05-12", "sex": "male"}


@pytest.fixture(scope="module")
def social(tmp_path_factory):
    with declared_topology() as topology:
        data_dir = tmp_path_factory.mktemp("social_security")
        running = Department("social_security", topology, data_dir)
        running.tokens = LocalTokens(data_dir)
        running.cases = pb_grpc.CasesStub(running.query_channel)
        yield running
        running.stop()


def send(department, inputs: dict, review: bool = True, command_id: str = "", application_id: str = "") -> str:
    command = steps_pb2.StepCommand(
        command_id=command_id or str(uuid.uuid4()), application_id=application_id or str(uuid.uuid4()),
        bundle="retirement",
        step="retirement_approval", department=department.name, action="approve_retirement", inputs=inputs,
        review=steps_pb2.StepCommand.OFFICER if review else steps_pb2.StepCommand.AUTO,
        review_reasons=["special post type"] if review else [])
    command.due_at.FromDatetime(dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=5))
    department.channel.basic_publish(department.topology.commands_exchange, department.name,
                                     command.SerializeToString(),
                                     pika.BasicProperties(content_type="application/x-protobuf", delivery_mode=2,
                                                          reply_to=department.replies), mandatory=True)
    return command.command_id


def answer(department, timeout: float = 15):
    """The next message on the reply queue: a StepProgress or a StepResult, by its AMQP type."""
    def arrived():
        method, properties, body = department.channel.basic_get(department.replies, auto_ack=True)
        assert method, "no answer yet"
        return properties, body

    properties, body = eventually(arrived, timeout, interval=0.05)
    if properties.type == PROGRESS_TYPE:
        assert properties.message_id.endswith(":progress")
        return steps_pb2.StepProgress.FromString(body)
    assert properties.type == RESULT_TYPE
    return steps_pb2.StepResult.FromString(body)


def as_officer(department, subject: str = "ss-0042", of: str = "social_security"):
    return (("authorization", f"Bearer {department.tokens.officer(of, subject)}"),)


def code_of(call) -> grpc.StatusCode:
    with pytest.raises(grpc.RpcError) as err:
        call()
    return err.value.code()


def test_an_officer_claims_and_approves_a_case_and_the_coordinator_hears_of_each(social):
    command_id = send(social, SPECIAL)
    opened = answer(social)
    assert isinstance(opened, steps_pb2.StepProgress) and opened.command_id == command_id
    assert opened.state == opened.WITH_OFFICER and opened.officer == ""
    assert list(opened.reasons) == ["special post type"]

    send(social, SPECIAL, command_id=command_id, application_id=opened.application_id)  # a chase
    assert answer(social).since == opened.since, "the same case again, not a second one"

    listed = social.cases.List(pb.ListCasesRequest(), metadata=as_officer(social), timeout=5)
    [case] = [c for c in listed.cases if c.case_id == command_id]
    assert case.state == pb.Case.OPEN and dict(case.inputs) == {}, "the list shows no one's data"
    claimed = social.cases.Claim(pb.CaseRequest(case_id=command_id), metadata=as_officer(social), timeout=5)
    assert claimed.state == pb.Case.CLAIMED and claimed.inputs["post_type"] == "special"
    progress = answer(social)
    assert isinstance(progress, steps_pb2.StepProgress) and progress.officer == "ss-0042"

    approved = social.cases.Approve(pb.CaseRequest(case_id=command_id), metadata=as_officer(social), timeout=5)
    assert (approved.state, approved.outcome, approved.decided_by) == (pb.Case.DECIDED, "completed", "ss-0042")
    result = answer(social)
    assert isinstance(result, steps_pb2.StepResult) and result.command_id == command_id
    assert result.outcome == result.COMPLETED and result.decided_by == "ss-0042"
    assert result.outputs["retirement_date"] == "2023-10-01"
    code = code_of(lambda: social.cases.Approve(pb.CaseRequest(case_id=command_id), metadata=as_officer(social),
                                                timeout=5))
    assert code == grpc.StatusCode.FAILED_PRECONDITION


def test_a_gap_in_the_record_goes_to_an_officer_who_rejects_it_with_a_reason(social):
    command_id = send(social, GAP, review=False)
    opened = answer(social)
    assert isinstance(opened, steps_pb2.StepProgress) and "2003-07 to 2005-12" in opened.reasons[0]
    rejected = social.cases.Reject(pb.RejectRequest(case_id=command_id, reason="中断期间未补缴"),
                                   metadata=as_officer(social, "ss-0001"), timeout=5)
    assert rejected.outcome == "refused" and rejected.claimed_by == "ss-0001"
    result = answer(social)
    assert (result.outcome, result.reason, result.decided_by) == (result.REJECTED, "中断期间未补缴", "ss-0001")


def test_a_return_names_each_input_to_correct(social):
    command_id = send(social, {**SPECIAL, "resident_id": "370203196906150517", "birth_date": "1969-06-15"})
    answer(social)
    bad = pb.ReturnRequest(case_id=command_id, reasons=[pb.FieldReason(input="shoe_size", reason="?")])
    with pytest.raises(grpc.RpcError) as err:
        social.cases.Return(bad, metadata=as_officer(social), timeout=5)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "reasons.shoe_size" in bad_request_fields(err.value)
    good = pb.ReturnRequest(case_id=command_id, reasons=[pb.FieldReason(input="post_type", reason="附特殊工种审批表")])
    assert social.cases.Return(good, metadata=as_officer(social), timeout=5).state == pb.Case.RETURNED
    result = answer(social)
    assert result.outcome == result.RETURNED and dict(result.returned_inputs) == {"post_type": "附特殊工种审批表"}


def test_only_this_departments_officers_may_use_its_worklist(social):
    request = pb.ListCasesRequest()
    assert code_of(lambda: social.cases.List(request, timeout=5)) == grpc.StatusCode.UNAUTHENTICATED
    bad = (("authorization", "Bearer not-a-token"),)
    assert code_of(lambda: social.cases.List(request, metadata=bad, timeout=5)) == grpc.StatusCode.UNAUTHENTICATED
    for token in (social.tokens.officer("tax", "tax-0001"), social.tokens.citizen(SPECIAL["resident_id"]),
                  social.tokens.service(), social.tokens.operator(), social.tokens.officer("front_desk")):
        metadata = (("authorization", f"Bearer {token}"),)
        assert code_of(lambda: social.cases.List(request, metadata=metadata, timeout=5)) == \
            grpc.StatusCode.PERMISSION_DENIED
    assert social.cases.List(request, metadata=as_officer(social), timeout=5).total >= 0


def test_another_officers_case_and_an_unknown_case_are_refused(social):
    command_id = send(social, {**SPECIAL, "resident_id": "110105197703080647", "birth_date": "1977-03-08",
                               "sex": "female"})
    answer(social)
    social.cases.Claim(pb.CaseRequest(case_id=command_id), metadata=as_officer(social, "ss-0001"), timeout=5)
    answer(social)
    assert code_of(lambda: social.cases.Approve(pb.CaseRequest(case_id=command_id),
                                                metadata=as_officer(social, "ss-0002"), timeout=5)) == \
        grpc.StatusCode.FAILED_PRECONDITION
    assert code_of(lambda: social.cases.Claim(pb.CaseRequest(case_id=str(uuid.uuid4())), metadata=as_officer(social),
                                              timeout=5)) == grpc.StatusCode.NOT_FOUND


@pytest.mark.parametrize("request_, field", [
    (pb.CaseRequest(case_id=""), "case_id"),
    (pb.CaseRequest(case_id="x" * 65), "case_id"),
    (pb.CaseRequest(case_id="case\u202e1"), "case_id"),
    (pb.RejectRequest(case_id="c", reason=""), "reason"),
    (pb.RejectRequest(case_id="c", reason="x" * 501), "reason"),
    (pb.RejectRequest(case_id="c", reason="bad\x00reason"), "reason"),
    (pb.ReturnRequest(case_id="c"), "reasons"),
    (pb.ReturnRequest(case_id="c", reasons=[pb.FieldReason(input="a", reason="x")] * 2), "reasons[1].input"),
    (pb.ListCasesRequest(page_token="abc"), "page_token"),
    (pb.ListCasesRequest(page_size=-1), "page_size"),
])
def test_a_bad_request_is_invalid_argument_naming_its_field(social, request_, field):
    method = {pb.CaseRequest: social.cases.Claim, pb.RejectRequest: social.cases.Reject,
              pb.ReturnRequest: social.cases.Return, pb.ListCasesRequest: social.cases.List}[type(request_)]
    with pytest.raises(grpc.RpcError) as err:
        method(request_, metadata=as_officer(social), timeout=5)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and field in bad_request_fields(err.value)


def test_an_undecodable_request_is_invalid_argument_naming_the_request(social):
    call = social.query_channel.unary_unary("/lifeevents.departments.v1.Cases/Claim")
    with pytest.raises(grpc.RpcError) as err:
        call(b"\xff\xff\xff", metadata=as_officer(social), timeout=5)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "request" in bad_request_fields(err.value)


@pytest.mark.parametrize("method", [m.name for m in pb.DESCRIPTOR.services_by_name["Cases"].methods])
def test_every_worklist_method_refuses_no_token_a_bad_one_and_another_departments_officer(social, method):
    call = social.query_channel.unary_unary(f"/lifeevents.departments.v1.Cases/{method}")
    assert code_of(lambda: call(b"", timeout=5)) == grpc.StatusCode.UNAUTHENTICATED
    assert code_of(lambda: call(b"", metadata=(("authorization", "Bearer x.y.z"),), timeout=5)) == \
        grpc.StatusCode.UNAUTHENTICATED
    tax = (("authorization", f"Bearer {social.tokens.officer('tax', 'tax-0001')}"),)
    assert code_of(lambda: call(b"", metadata=tax, timeout=5)) == grpc.StatusCode.PERMISSION_DENIED
