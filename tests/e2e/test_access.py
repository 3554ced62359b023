"""Who is calling, end to end on the real suite: every rule shown both ways (allowed and refused).

Every call is made as a named person with a token of the suite's development identity provider.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
import subprocess
import sys
import uuid

import grpc
import pytest
from google.protobuf import message_factory

from deploy.sample_forms import new_company_form, newborn_form
from lifeevents.client import ApplicantClient, bad_request_fields
from lifeevents.departments.v1 import lookup_pb2, lookup_pb2_grpc
from lifeevents.identifiers import InvalidIdentifier, parse_resident_id
from lifeevents.v1 import applications_pb2 as pb
from lifeevents.v1 import operations_pb2 as ops
from lifeevents.v1 import operations_pb2_grpc
from tests.support.controls import stored_submissions
from tests.support.polling import eventually

pytestmark = pytest.mark.e2e
MOTHER, FATHER = "370202199205140022", "370202199003070011"
STRANGER = "110105199108210223"  # 刘芳, a citizen of the seed who is party to none of these
AGENT = "63010219930930048X"  # 韩梅, working at a service centre as an agent (帮办代办员)
RETIREE = "370202196603150134"  # 刘建军, the retirement example's person (whose example the examples test runs)
FEW_YEARS = "630102196506010576"  # 黄强: retires, and is refused for too few contribution years, every time
ANONYMOUS_METHODS = {"lifeevents.v1.Applications/ListBundles", "lifeevents.v1.Applications/GetForm"}


def code_of(call) -> grpc.StatusCode:
    with pytest.raises(grpc.RpcError) as err:
        call()
    return err.value.code()


def refusal(call) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as err:
        call()
    return err.value


# -- identity on every call ----------------------------------------------------------------------
def every_method():
    for module in (pb, ops):
        for service in module.DESCRIPTOR.services_by_name.values():
            for method in service.methods:
                yield service, method


@pytest.mark.parametrize("service, method", list(every_method()),
                         ids=[f"{s.name}/{m.name}" for s, m in every_method()])
def test_every_method_but_the_anonymous_ones_refuses_a_missing_or_bad_token(running_suite, tokens, service, method):
    """A method added later without authentication fails here: each is found from the descriptors."""
    path = f"/{service.full_name}/{method.name}"
    request = message_factory.GetMessageClass(method.input_type)()
    response = message_factory.GetMessageClass(method.output_type)
    expired = tokens.provider.issue(MOTHER, lifetime=dt.timedelta(minutes=-5))
    with grpc.insecure_channel(running_suite.coordinator_address) as channel:
        make = channel.unary_stream if method.server_streaming else channel.unary_unary
        rpc = make(path, request_serializer=type(request).SerializeToString, response_deserializer=response.FromString)
        for metadata in ((), (("authorization", "Bearer not.a.token"),), (("authorization", f"Bearer {expired}"),),
                         (("authorization", f"Basic {tokens.citizen(MOTHER)}"),)):
            def call():
                answer = rpc(request, metadata=metadata, timeout=10)
                return list(answer) if method.server_streaming else answer
            if f"{service.full_name}/{method.name}" in ANONYMOUS_METHODS:
                try:
                    call()
                except grpc.RpcError as err:
                    assert err.code() != grpc.StatusCode.UNAUTHENTICATED
            else:
                assert code_of(call) == grpc.StatusCode.UNAUTHENTICATED, (path, metadata[:1])


def test_an_anonymous_submit_is_unauthenticated_and_the_mothers_is_accepted(applicants, running_suite):
    before = stored_submissions(running_suite.data_dir)
    assert code_of(lambda: applicants.anonymous().submit(newborn_form())) == grpc.StatusCode.UNAUTHENTICATED
    assert stored_submissions(running_suite.data_dir) == before
    assert applicants.citizen(MOTHER).settle(applicants.citizen(MOTHER).submit(newborn_form())).status == \
        pb.Application.COMPLETED


# -- who may apply -------------------------------------------------------------------------------
def test_a_retirement_for_another_person_is_denied_naming_the_field_and_stores_nothing(applicants, running_suite):
    form = {"resident_id": RETIREE, "bank_account": "6228480402564890099"}  # the caller's own account
    before = stored_submissions(running_suite.data_dir)
    error = refusal(lambda: applicants.citizen(STRANGER).submit(form, bundle="retirement"))
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert set(bad_request_fields(error)) == {"form.resident_id"} and RETIREE not in error.details()
    assert stored_submissions(running_suite.data_dir) == before, "nothing stored, the register reads included"


def test_the_person_retiring_applies_themselves(applicants):
    retiree = applicants.citizen(FEW_YEARS)
    application_id = retiree.submit({"resident_id": FEW_YEARS, "bank_account": "6228480402564890058"},
                                    bundle="retirement")
    assert retiree.settle(application_id).bundle == "retirement"
    assert application_id in {a.application_id for a in retiree.mine().applications}


def test_a_company_is_deregistered_by_its_legal_representative_as_the_register_holds_them(applicants, applicant,
                                                                                        front_desk):
    company = new_company_form("startup")  # the demo mother is its legal representative
    started = applicant.settle(applicant.submit(company, bundle="startup"))
    code = next(s for s in started.steps if s.id == "business_registration").result["credit_code"]
    form = {"credit_code": code, "reason": "business_ended"}  # the legal representative is looked up
    error = refusal(lambda: applicants.citizen(FATHER).submit(form, bundle="deregistration"))
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED and set(bad_request_fields(error)) == {"form.legal_rep_id"}
    mother = applicants.citizen(MOTHER)
    application_id = mother.submit(form, bundle="deregistration")
    front_desk.accept(application_id)  # 前台受理
    assert mother.settle(application_id).status == pb.Application.COMPLETED


# -- who may read --------------------------------------------------------------------------------
def test_citizen_b_reading_citizen_as_application_is_not_found_and_a_reads_it(applicants):
    mother = applicants.citizen(MOTHER)
    application_id = mother.submit(newborn_form())
    stranger = applicants.citizen(STRANGER)
    for call in (lambda: stranger.get(application_id), lambda: stranger.watch(application_id, timeout=10)):
        error = refusal(call)
        assert error.code() == grpc.StatusCode.NOT_FOUND and bad_request_fields(error) == {
            "application_id": "no such application"}, "the same answer as for an id nobody has"
    assert code_of(lambda: stranger.get(str(uuid.uuid4()))) == grpc.StatusCode.NOT_FOUND
    assert mother.settle(application_id).status == pb.Application.COMPLETED
    father = applicants.citizen(FATHER)
    assert father.get(application_id).application_id == application_id, "the father is a principal too"
    assert application_id in {a.application_id for a in father.mine().applications}
    assert application_id not in {a.application_id for a in stranger.mine().applications}


def test_an_agent_is_refused_without_a_delegation_served_with_one_and_refused_after_revocation(
        applicants, coordinator_clock):
    mother, agent = applicants.citizen(MOTHER), applicants.agent(AGENT)
    assert code_of(lambda: agent.submit(newborn_form())) == grpc.StatusCode.PERMISSION_DENIED

    until = coordinator_clock.now() + dt.timedelta(days=300)
    granted = mother.grant_delegation(AGENT, "newborn", until)
    assert (granted.principal, granted.agent, granted.holds) == (MOTHER, AGENT, True)
    application_id = agent.submit(newborn_form())
    assert agent.settle(application_id).status == pb.Application.COMPLETED
    assert [e.type for e in agent.watch(application_id)][-1] == "Completed"
    assert {(a.application_id, a.role) for a in agent.mine().applications} >= {(application_id, "agent")}
    assert {(a.application_id, a.role) for a in mother.mine().applications} >= {(application_id, "principal")}
    assert any(d.agent == AGENT and d.holds for d in mother.delegations())
    assert any(d.principal == MOTHER for d in agent.delegations())
    assert code_of(lambda: agent.submit({"resident_id": RETIREE, "bank_account": "6228480402564890099"},
                                        bundle="retirement")) == grpc.StatusCode.PERMISSION_DENIED, "newborn only"

    revoked = mother.revoke_delegation(AGENT, "newborn")
    assert revoked.HasField("revoked_at") and not revoked.holds
    assert code_of(lambda: agent.get(application_id)) == grpc.StatusCode.NOT_FOUND
    assert code_of(lambda: agent.submit(newborn_form())) == grpc.StatusCode.PERMISSION_DENIED
    assert code_of(lambda: mother.revoke_delegation(STRANGER, "newborn")) == grpc.StatusCode.NOT_FOUND


def test_officers_see_their_departments_steps_the_front_desk_all_and_a_tax_officer_nothing(applicants, applicant):
    application_id = applicant.submit(newborn_form())
    whole = applicant.settle(application_id)
    assert code_of(lambda: applicants.officer("tax").get(application_id)) == grpc.StatusCode.NOT_FOUND
    health = applicants.officer("health", "H-0007").get(application_id)
    assert [s.id for s in health.steps] == ["birth_certificate", "vaccination_record"]
    certificate = next(s for s in health.steps if s.id == "birth_certificate")
    assert certificate.inputs["mother_id"] == MOTHER, "the inputs the step uses, for the officer doing it"
    assert set(certificate.inputs) <= {"mother_id", "mother_name", "father_id", "father_name", "child_name",
                                       "child_sex", "birth_date", "birth_hospital"}
    front = applicants.officer("front_desk").get(application_id)
    assert [s.id for s in front.steps] == [s.id for s in whole.steps]
    assert code_of(lambda: applicants.officer("health").watch(application_id, 5)) == grpc.StatusCode.NOT_FOUND


# -- operators ---------------------------------------------------------------------------------
def test_an_operators_history_needs_a_reason_and_only_admins_replay_rebuild_and_verify(operator, admin, applicant):
    application_id = applicant.submit(newborn_form())
    applicant.settle(application_id)
    error = refusal(lambda: operator.GetHistory(ops.GetHistoryRequest(application_id=application_id)))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and set(bad_request_fields(error)) == {"reason"}
    history = operator.GetHistory(ops.GetHistoryRequest(application_id=application_id, reason="ticket 4711"))
    assert history.events[0].type == "Submitted" and MOTHER not in history.events[0].payload_json

    replay = ops.ReplayRequest(application_id=application_id, version=2, reason="ticket 4711")
    assert code_of(lambda: operator.Replay(replay)) == grpc.StatusCode.PERMISSION_DENIED
    assert admin.Replay(replay).version == 2
    error = refusal(lambda: admin.Replay(ops.ReplayRequest(application_id=application_id, version=2)))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and set(bad_request_fields(error)) == {"reason"}
    for call in (lambda: list(operator.RebuildProjections(ops.RebuildProjectionsRequest())),
                 lambda: operator.WhatIf(ops.WhatIfRequest(application_id=application_id, bundle_yaml="id: x")),
                 lambda: operator.VerifyAccessLog(ops.VerifyAccessLogRequest())):
        assert code_of(call) == grpc.StatusCode.PERMISSION_DENIED
    assert admin.VerifyAccessLog(ops.VerifyAccessLogRequest()).intact


def test_a_citizens_token_opens_nothing_of_the_operations_api(running_suite, tokens):
    with grpc.insecure_channel(running_suite.coordinator_address) as channel:
        stub = operations_pb2_grpc.OperationsStub(channel)
        metadata = (("authorization", f"Bearer {tokens.citizen(MOTHER)}"),)
        assert code_of(lambda: stub.ListApplications(ops.ListApplicationsRequest(), metadata=metadata,
                                                     timeout=5)) == grpc.StatusCode.PERMISSION_DENIED


# -- the data-access log -----------------------------------------------------------------------
def test_the_mothers_data_access_lists_the_civil_register_lookup_made_for_her_application(
        applicants, applicant, operator):
    mother = applicants.citizen(MOTHER)
    application_id = mother.submit(newborn_form(mother_name=None, mailing_address=None))  # both looked up
    mother.settle(application_id)
    applicants.officer("civil_registration", "C-0042").get(application_id)
    operator.GetHistory(ops.GetHistoryRequest(application_id=application_id, reason="ticket 4711"))
    assert code_of(lambda: applicants.citizen(STRANGER).get(application_id)) == grpc.StatusCode.NOT_FOUND

    entries = [e for e in mother.data_access(page_size=100).entries if e.application_id == application_id]
    lookups = {(e.department, tuple(e.items)) for e in entries if e.accessor_role == "service"}
    assert lookups == {("civil_registration", ("name",)), ("civil_registration", ("address",))}
    assert all(e.on_behalf_of == MOTHER and "materials reuse" in e.purpose for e in entries
               if e.accessor_role == "service")
    by_role = {e.accessor_role: e for e in entries}
    assert (by_role["officer"].accessor, by_role["officer"].department) == ("C-0042", "civil_registration")
    assert by_role["operator"].purpose == "history: ticket 4711"
    assert [(e.accessor, e.allowed) for e in entries if e.accessor_role == "citizen"] == [(STRANGER, False)]
    assert all(e.previous_hash for e in entries) and len({e.entry_hash for e in entries}) == len(entries)
    stranger_sees = applicants.citizen(STRANGER).data_access(page_size=100).entries
    assert not [e for e in stranger_sees if e.application_id == application_id], "nobody else's entries"
    assert code_of(lambda: applicants.officer("tax").data_access()) == grpc.StatusCode.PERMISSION_DENIED


def test_the_data_access_log_pages_newest_first(applicants):
    mother = applicants.citizen(MOTHER)
    application_id = mother.submit(newborn_form())
    for _ in range(3):
        applicants.officer("front_desk").get(application_id)
    first = mother.data_access(page_size=2)
    assert len(first.entries) == 2 and first.entries[0].position > first.entries[1].position
    second = mother.data_access(page_size=2, page_token=first.next_page_token)
    assert second.entries[0].position < first.entries[1].position


def cli(running_suite, *args) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "LIFEEVENTS_TOKEN"}
    return subprocess.run([sys.executable, "-m", "lifeevents.cli", "--address", running_suite.coordinator_address,
                           *args], capture_output=True, text=True, timeout=120,
                          env={**env, "LIFEEVENTS_DATA_DIR": str(running_suite.data_dir)})


def test_verify_access_log_finds_a_tampered_entry_in_the_store(running_suite, applicants):
    mother = applicants.citizen(MOTHER)
    mother.settle(mother.submit(newborn_form(mailing_address=None)))
    assert cli(running_suite, "verify-access-log").stdout.rstrip().endswith("every link holds")

    target = mother.data_access(page_size=1).entries[0]
    store = sqlite3.connect(running_suite.data_dir / "events.sqlite")
    rowid, state = store.execute(
        "SELECT rowid, state FROM stored_events WHERE topic LIKE '%AccessLog.AccessRecorded' "
        "AND originator_version = ? AND instr(state, ?) > 0", (target.position, target.entry_hash.encode())).fetchone()
    tampered = state.replace(target.purpose.encode(), target.purpose.replace("materials", "MATERIALS").encode())
    assert tampered != state
    try:
        with store:
            store.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (tampered, rowid))
        broken = cli(running_suite, "verify-access-log")
        assert broken.returncode == 2, broken.stderr
        assert f"BROKEN at entry {target.position} of 370202********0022's log" in broken.stdout
        assert "does not match its hash" in broken.stdout and MOTHER not in broken.stdout
    finally:
        with store:
            store.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (state, rowid))
        store.close()
    assert cli(running_suite, "verify-access-log").returncode == 0


# -- keys, objections, registers, files, logs ---------------------------------------------------
def test_a_used_key_with_another_form_is_already_exists_and_another_callers_key_is_theirs(applicants):
    mother, father = applicants.citizen(MOTHER), applicants.citizen(FATHER)
    key, form = uuid.uuid4().hex, newborn_form()
    first = mother.submit(form, idempotency_key=key)
    assert mother.submit(form, idempotency_key=key) == first
    error = refusal(lambda: mother.submit(newborn_form(), idempotency_key=key))
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS and set(bad_request_fields(error)) == {"idempotency_key"}
    assert father.submit(newborn_form(), idempotency_key=key) != first


def test_only_a_citizen_objects_and_nobody_learns_of_an_application_without_a_public_notice(applicants, applicant):
    application_id = applicant.submit(newborn_form())
    assert code_of(lambda: applicants.citizen(STRANGER).object(application_id, "x")) == grpc.StatusCode.NOT_FOUND
    assert code_of(lambda: applicants.officer("front_desk").object(application_id, "x")) == \
        grpc.StatusCode.PERMISSION_DENIED
    error = refusal(lambda: applicants.citizen(STRANGER).object(application_id, "x" * 501))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and set(bad_request_fields(error)) == {"reason"}


def test_the_departments_query_ports_answer_only_a_service_token(running_suite, tokens):
    address = running_suite.department_addresses["civil_registration"]
    request = lookup_pb2.LookupRequest(query="person", key=MOTHER)
    with grpc.insecure_channel(address) as channel:
        stub = lookup_pb2_grpc.LookupStub(channel)
        assert code_of(lambda: stub.Find(request, timeout=5)) == grpc.StatusCode.UNAUTHENTICATED
        citizen = (("authorization", f"Bearer {tokens.citizen(MOTHER)}"),)
        assert code_of(lambda: stub.Find(request, metadata=citizen, timeout=5)) == grpc.StatusCode.PERMISSION_DENIED
        service = (("authorization", f"Bearer {tokens.service()}"),)
        assert stub.Find(request, metadata=service, timeout=5).values["name"] == "李秀英"


def test_the_data_directory_is_the_suites_own(running_suite):
    made_by_the_tests = {"suite.log", "clock-offset-seconds", "faults.json", "jwks.json"}  # jwks: public keys
    assert running_suite.data_dir.stat().st_mode & 0o077 == 0
    exposed = [str(p) for p in running_suite.data_dir.rglob("*")
               if p.name not in made_by_the_tests and p.stat().st_mode & 0o077]
    assert exposed == []
    assert (running_suite.data_dir / "identity" / "signing-key.pem").stat().st_mode & 0o777 == 0o600


def full_resident_ids(text: str) -> set[str]:
    found = set()
    for candidate in re.findall(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])", text):
        try:
            found.add(parse_resident_id(candidate).number)
        except InvalidIdentifier:
            pass
    return found


def test_no_full_resident_id_appears_in_the_suites_log_after_all_four_bundles(running_suite, applicant, registers,
                                                                              coordinator_clock, front_desk):
    def settled(application_id: str) -> pb.Application:
        def ended() -> pb.Application | None:
            application = applicant.get(application_id)
            if any(s.status == pb.Step.WAITING for s in application.steps):
                coordinator_clock.advance(days=20, seconds=1)
            return application if application.status != pb.Application.IN_PROGRESS else None
        return eventually(ended, timeout=60)

    companies = [settled(applicant.submit(new_company_form("startup"), bundle="startup")) for _ in range(2)]
    codes = [next(s for s in c.steps if s.id == "business_registration").result["credit_code"] for c in companies]
    ids = [applicant.submit(newborn_form(mailing_address=None), bundle="newborn"),
           applicant.submit({"resident_id": FEW_YEARS, "bank_account": "6228480402564890058"}, bundle="retirement"),
           front_desk.accept(applicant.submit({"credit_code": codes[0], "reason": "business_ended",
                                               "legal_rep_id": MOTHER}, bundle="deregistration")).application_id,
           applicant.submit({"credit_code": codes[1], "reason": "business_ended", "legal_rep_id": MOTHER,
                             "commitment.no_debts": "accepted"}, bundle="deregistration_simplified"),
           applicant.submit(newborn_form(mother_id="11010519920315002X", mother_name="陈静", father_id=None,
                                         father_name=None, mailing_address="北京"), bundle="newborn")]  # refused
    assert [pb.Application.Status.Name(settled(i).status) for i in ids] == [
        "COMPLETED", "REJECTED", "COMPLETED", "COMPLETED", "REJECTED"]
    unknown = "11010519920315002X"
    assert code_of(lambda: registers.civil_registration.GetPerson(resident_id=unknown)) == grpc.StatusCode.NOT_FOUND
    eventually(lambda: "110105********002X" in running_suite.log_path.read_text(encoding="utf-8"), timeout=10)
    assert full_resident_ids(running_suite.log_path.read_text(encoding="utf-8")) == set()


def test_applicant_client_without_a_token_can_still_read_the_offer(running_suite):
    with ApplicantClient(running_suite.coordinator_address) as anonymous:
        assert anonymous.stub.GetForm(pb.GetFormRequest(bundle="newborn"), timeout=5).principals == [
            "mother_id", "father_id"]
