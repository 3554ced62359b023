"""Steps shared by every bundle's features. State passes between steps through target fixtures."""
from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from pathlib import Path

import grpc
import pytest
from pytest_bdd import given, parsers, then, when

from lifeevents.identifiers import parse_credit_code, parse_resident_id
from lifeevents.v1 import applications_pb2 as pb
from lifeevents.v1 import operations_pb2 as ops
from saga.domain.model import Application
from deploy.sample_forms import newborn_form
from lifeevents.client import bad_request_fields

EXAMPLES = Path(__file__).resolve().parent.parent / "bundles" / "examples"


@pytest.fixture
def submission():
    """What the When step produced: an application id, or the gRPC error of a refused Submit."""
    return {}


@given(parsers.parse("a registered mother {name} with resident ID {mother_id}"), target_fixture="mother")
def a_registered_mother(registers, name, mother_id):
    person = registers.civil_registration.GetPerson(resident_id=mother_id)  # NOT_FOUND here means the scenario names someone the seed lacks
    assert (person.name, person.sex) == (name, "female"), person
    return {"resident_id": mother_id, "name": name, "registered": True}


@given(parsers.parse("a mother unknown to the civil register, {name}, with resident ID {mother_id}"),
       target_fixture="mother")
def an_unknown_mother(registers, name, mother_id):
    assert parse_resident_id(mother_id).sex == "female"  # a valid ID of a woman: only the register refuses her
    with pytest.raises(grpc.RpcError) as err:
        registers.civil_registration.GetPerson(resident_id=mother_id)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    return {"resident_id": mother_id, "name": name, "registered": False}


@given("a newborn form for a new child", target_fixture="form")
def a_newborn_form(mother):
    form = newborn_form(mother_id=mother["resident_id"], mother_name=mother["name"])
    if not mother["registered"]:  # the seeded father and address belong to a registered mother
        form.update(father_id=None, father_name=None, mailing_address="北京市朝阳区朝阳北路101号")
    return {k: v for k, v in form.items() if v is not None}


@given(parsers.parse('the form\'s {field} is "{value}"'), target_fixture="form")
def a_form_value(form, field, value):
    return {**form, field: value}


@given("she has already submitted this form once and it COMPLETED", target_fixture="first")
def submitted_once(applicant, form):
    application = applicant.settle(applicant.submit(form, bundle="newborn"))
    assert application.status == pb.Application.COMPLETED, list(application.reasons)
    return application


@when(parsers.parse("the {bundle} bundle is submitted"), target_fixture="submission")
def submit(applicant, form, bundle):
    try:
        return {"application_id": applicant.submit(form, bundle=bundle)}
    except grpc.RpcError as error:
        return {"error": error}


@when(parsers.parse("she submits the {bundle} bundle"), target_fixture="submission")
def she_submits(applicant, form, bundle):
    """Submitted under a fresh idempotency key, so that a refused Submit can be shown to have recorded nothing."""
    key = str(uuid.uuid4())
    try:
        return {"application_id": applicant.submit(form, bundle=bundle, idempotency_key=key),
                "bundle": bundle, "idempotency_key": key}
    except grpc.RpcError as error:
        return {"error": error, "bundle": bundle, "idempotency_key": key}


@then(parsers.parse("the application reaches {status}"), target_fixture="application")
def reaches(applicant, submission, status):
    assert "error" not in submission, submission.get("error")
    application = applicant.settle(submission["application_id"])
    assert pb.Application.Status.Name(application.status) == status, list(application.reasons)
    return application


@then(parsers.parse("every step is {status}:"))
def every_step(application, datatable, status):
    header, *rows = datatable
    expected = {row[header.index("step")]: row[header.index("department")] for row in rows}
    assert {s.id: s.department for s in application.steps} == expected
    for step in application.steps:
        assert pb.Step.Status.Name(step.status) == status, (step.id, step.reason)


@then("the steps end as follows:")
def steps_end(application, datatable):
    header, *rows = datatable
    steps = {s.id: s for s in application.steps}
    for row in rows:
        expected = dict(zip(header, row))
        step = steps[expected["step"]]
        assert step.department == expected["department"]
        assert pb.Step.Status.Name(step.status) == expected["status"], (step.id, step.reason)


@then(parsers.parse('step {step_id} is {status} with a reason mentioning "{words}"'))
def ended_with_reason(application, step_id, status, words):
    step = {s.id: s for s in application.steps}[step_id]
    assert pb.Step.Status.Name(step.status) == status and words in step.reason, (step.status, step.reason)


@then(parsers.parse('the application\'s reasons mention "{words}"'))
def reasons_mention(application, words):
    assert any(words in reason for reason in application.reasons), list(application.reasons)


@then(parsers.parse("step {step_id} is REJECTED with a reason naming the first birth certificate"))
def rejected_naming_first_certificate(application, first, step_id):
    step = {s.id: s for s in application.steps}[step_id]
    number = {s.id: s for s in first.steps}["birth_certificate"].result["birth_certificate_no"]
    assert step.status == pb.Step.REJECTED and number in step.reason, step.reason


@then(parsers.parse("the submission is refused as INVALID_ARGUMENT naming {field}"))
def refused_at_the_door(submission, field):
    error = submission.get("error")
    assert error is not None, f"accepted as {submission.get('application_id')}"
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in bad_request_fields(error)


@then(parsers.parse("the form is refused at the door as INVALID_ARGUMENT naming {field} and no other field"))
def refused_naming_only(submission, field):
    error = submission.get("error")
    assert error is not None, f"accepted as {submission.get('application_id')}"
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error
    assert set(bad_request_fields(error)) == {field}, bad_request_fields(error)


@then("no application was started")
def nothing_started(applicant, submission):
    # The id a Submit under this idempotency key would have recorded: the coordinator must hold nothing there.
    application_id = Application.create_id(submission["bundle"], submission["idempotency_key"])
    with pytest.raises(grpc.RpcError) as err:
        applicant.get(str(application_id))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND, err.value


@then("the civil register lists the child in the mother's household with a resident ID carrying the child's birth date")
def child_in_household(application, registers, form):
    result = {s.id: s for s in application.steps}["household_registration"].result
    household = registers.civil_registration.GetHousehold(member_id=form["mother_id"])
    assert result["household_no"] == household.household_no
    child = parse_resident_id(result["child_id"])
    assert child.birth_date.isoformat() == form["birth_date"], child
    assert (child.area_code, child.sex) == (household.area_code, form["child_sex"]), child
    members = {m.resident_id: m for m in household.members}
    assert members[child.number].name == form["child_name"]
    assert form["mother_id"] in members


@then("the civil register lists the child once in the mother's household")
def child_once_in_household(registers, form):
    members = registers.civil_registration.GetHousehold(member_id=form["mother_id"]).members
    assert [(m.name, m.birth_date) for m in members].count((form["child_name"], form["birth_date"])) == 1


@then("medical insurance and social security hold the child's enrolment and card")
def enrolment_and_card(application, registers, form):
    steps = {s.id: s for s in application.steps}
    child_id = steps["household_registration"].result["child_id"]
    enrolment, card = (registers.medical_insurance.GetEnrolment(resident_id=child_id),
                       registers.social_security.GetCard(resident_id=child_id))
    assert (enrolment.insured_no, enrolment.name) == (steps["medical_insurance"].result["insured_no"],
                                                      form["child_name"])
    assert (card.card_no, card.name, card.mailing_address) == (steps["social_security_card"].result["card_no"],
                                                               form["child_name"], form["mailing_address"])


@given(parsers.parse("the {bundle} example form for a company nobody has registered yet"), target_fixture="form")
def example_company_form(bundle):
    form = json.loads((EXAMPLES / f"{bundle}.json").read_text(encoding="utf-8"))
    form["company_name"] = f"{form['company_name'][:-4]}{uuid.uuid4().int % 10**6:06d}有限公司"
    return form


@then(parsers.parse("step {step_id} issued a valid unified social credit code"), target_fixture="credit_code")
def issued_credit_code(application, step_id):
    code = {s.id: s for s in application.steps}[step_id].result["credit_code"]
    assert parse_credit_code(code) == code
    return code


@then("every other step received that code and started after it")
def fed_by_the_code(application, applicant, credit_code):
    steps = {s.id: s for s in application.steps}
    registration = steps.pop("business_registration")
    for step in steps.values():
        assert step.depends_on == ["business_registration"]
        assert step.dispatched_at.ToDatetime() >= registration.settled_at.ToDatetime()
    assert steps["tax_registration"].result["taxpayer_no"] == credit_code


@then("the seals were engraved free of charge")
def seals_free(application):
    seals = {s.id: s for s in application.steps}["seals"]
    assert seals.result["fee_yuan"] == "0" and int(seals.result["seal_count"]) == 4


@given("a company opened through the startup bundle", target_fixture="company")
def opened_company(applicant):
    form = example_company_form("startup")
    application = applicant.settle(applicant.submit(form, bundle="startup"))
    assert application.status == pb.Application.COMPLETED, list(application.reasons)
    code = {s.id: s for s in application.steps}["business_registration"].result["credit_code"]
    return {**form, "credit_code": code}


@given("a deregistration form for that company giving only its code, its legal representative and a reason",
       target_fixture="form")
def deregistration_form(company):
    return {"credit_code": company["credit_code"], "legal_rep_id": company["legal_rep_id"], "reason": "business_ended"}


@given(parsers.parse("a deregistration form for the seeded company {code} of legal representative {legal_rep_id}"),
       target_fixture="form")
def seeded_deregistration_form(code, legal_rep_id):
    return {"credit_code": code, "legal_rep_id": legal_rep_id, "reason": "business_ended"}


@then("registration_cancellation started only after the four account steps, and seal_cancellation after it")
def deregistration_order(application):
    steps = {s.id: s for s in application.steps}
    cancellation = steps["registration_cancellation"]
    for account in ("tax_clearance", "social_insurance_closing", "medical_insurance_closing", "housing_fund_closing"):
        assert steps[account].settled_at.ToDatetime() <= cancellation.dispatched_at.ToDatetime()
    assert cancellation.settled_at.ToDatetime() <= steps["seal_cancellation"].dispatched_at.ToDatetime()


@then("the market register shows the company cancelled")
def company_cancelled(registers, company):
    assert registers.market_regulation.GetCompany(credit_code=company["credit_code"]).status == "cancelled"


@given(parsers.parse("a retirement form for {resident_id} with bank account {account}"), target_fixture="form")
def retirement_form(resident_id, account):
    return {"resident_id": resident_id, "bank_account": account}


@then("her birth date, sex and contribution years were looked up, not asked")
def looked_up_not_asked(application, form):
    assert set(form) == {"resident_id", "bank_account"}
    assert set(application.looked_up) == {"birth_date", "sex", "contribution_years"}


@then(parsers.parse("step {step_id} set the retirement date {date} and a monthly pension"))
def retirement_date_and_pension(application, step_id, date):
    result = {s.id: s for s in application.steps}[step_id].result
    assert result["retirement_date"] == date and float(result["monthly_pension_yuan"]) > 1000


def wait_for_step(applicant, application_id, step_id, status, timeout=20):
    deadline = time.monotonic() + timeout
    while True:
        step = {s.id: s for s in applicant.get(application_id).steps}[step_id]
        if pb.Step.Status.Name(step.status) == status:
            return step
        assert time.monotonic() < deadline, f"{step_id} is {pb.Step.Status.Name(step.status)}, not {status}"
        time.sleep(0.1)


@then(parsers.parse("step {step_id} is WAITING until twenty days after the notice"))
@when(parsers.parse("step {step_id} is WAITING until twenty days after the notice"))
def waiting_twenty_days(applicant, submission, step_id):
    step = wait_for_step(applicant, submission["application_id"], step_id, "WAITING")
    notice = {s.id: s for s in applicant.get(submission["application_id"]).steps}["public_notice"]
    assert step.fires_at.ToDatetime() - notice.settled_at.ToDatetime() == dt.timedelta(days=20)


@then("no account is closed during the notice")
def nothing_closed(applicant, submission):
    steps = {s.id: s for s in applicant.get(submission["application_id"]).steps}
    for account in ("tax_clearance", "social_insurance_closing", "medical_insurance_closing", "housing_fund_closing"):
        assert steps[account].status == pb.Step.PENDING


@when("twenty days pass")
def twenty_days_pass(coordinator_clock):
    coordinator_clock.advance(days=20, seconds=1)


@when(parsers.parse('{objector} objects in the role {role} that "{reason}"'))
def objects(applicant, submission, objector, role, reason):
    applicant.stub.Object(pb.ObjectRequest(application_id=submission["application_id"], objector=objector,
                                           objector_role=role, reason=reason), timeout=10)


@then("an objection now is refused as FAILED_PRECONDITION")
def objection_refused(applicant, submission):
    with pytest.raises(grpc.RpcError) as err:
        applicant.stub.Object(pb.ObjectRequest(application_id=submission["application_id"], objector="x",
                                               reason="late"), timeout=10)
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION


@then(parsers.parse("its history records the objection by {objector} in the role {role}"))
def objection_in_history(operator, submission, objector, role):
    history = operator.GetHistory(ops.GetHistoryRequest(application_id=submission["application_id"]))
    [objection] = [json.loads(e.payload_json) for e in history.events if e.type == "ObjectionRaised"]
    assert (objection["objector"], objection["objector_role"]) == (objector, role), objection


@then("the market register shows the company active")
def company_active(registers, company):
    assert registers.market_regulation.GetCompany(credit_code=company["credit_code"]).status == "active"


@then("the seals were undone before the registration")
def seals_before_registration(applicant, application):
    undos = [e.step for e in applicant.watch(application.application_id) if e.type == "CompensationDispatched"]
    assert undos.index("seals") < undos.index("business_registration")


@then("the market register shows the new company withdrawn")
def company_withdrawn(registers, application):
    code = {s.id: s for s in application.steps}["business_registration"].result["credit_code"]
    assert registers.market_regulation.GetCompany(credit_code=code).status == "withdrawn"


# -- faults, dead letters and time limits ------------------------------------------------------
@given(parsers.parse('a newborn form for a child named "{name}"'), target_fixture="form")
def a_newborn_form_for(name):
    return newborn_form(child_name=name)


@given(parsers.parse('the {department} department fails the first {count:d} deliveries of {action} for that child '
                     'with "{error}"'))
def fails_first_deliveries(fault_rules, form, department, count, action, error):
    fault_rules.add(department=department, action=action, inputs={"child_name": form["child_name"]},
                    deliveries=count, error=error)


@given(parsers.parse('the {department} department fails every delivery of {action} for that child with "{error}"'))
def fails_every_delivery(fault_rules, form, department, action, error):
    fault_rules.add(department=department, action=action, inputs={"child_name": form["child_name"]}, error=error)


@then(parsers.parse("step {step_id} was answered on delivery {delivery:d}"))
def answered_on_delivery(application, step_id, delivery):
    assert {s.id: s for s in application.steps}[step_id].delivery == delivery


def letters_of(dead_letters, application_id):
    return [letter for letter in dead_letters.list() if letter.application_id == application_id]


@then("the dead-letter queue holds nothing of the application")
def no_dead_letters(dead_letters, submission):
    assert letters_of(dead_letters, submission["application_id"]) == []


@then(parsers.parse('the dead-letter queue holds the {action} command of the application, with the error "{error}" '
                    'after {deliveries:d} deliveries'))
def dead_lettered(dead_letters, application, submission, action, error, deliveries):
    letters = letters_of(dead_letters, submission["application_id"])
    step = next(s for s in application.steps if s.action == action)
    assert [(letter.step, letter.error, letter.deliveries, letter.type) for letter in letters] == [
        (step.id, error, deliveries, "lifeevents.v1.StepCommand")]


@given(parsers.parse("the {department} department is down"))
def department_down(department_outage, department):
    stop, _ = department_outage
    stop(department)


@when(parsers.parse("the {department} department is back"))
def department_back(department_outage, department):
    _, restore = department_outage
    restore(department)


@when(parsers.parse("step {step_id} has been sent"))
def step_sent(applicant, submission, step_id):
    wait_for_step(applicant, submission["application_id"], step_id, "DISPATCHED")


@when("a day and a minute pass on the coordinator's clock")
def a_day_passes(coordinator_clock):
    coordinator_clock.advance(days=1, minutes=1)


@then(parsers.parse("step {step_id} is flagged overdue, its command sent more than once"))
def flagged_overdue(applicant, submission, step_id):
    deadline = time.monotonic() + 20
    while True:
        step = {s.id: s for s in applicant.get(submission["application_id"]).steps}[step_id]
        if step.HasField("overdue_since") and step.sends > 1:
            break
        assert time.monotonic() < deadline, step
        time.sleep(0.1)
    assert step.status == pb.Step.DISPATCHED
    assert step.overdue_since.ToDatetime() >= step.due_at.ToDatetime()


@then(parsers.parse("step {step_id} is COMPLETED and still shows it was overdue"))
def completed_late(application, step_id):
    step = {s.id: s for s in application.steps}[step_id]
    assert step.status == pb.Step.COMPLETED and step.HasField("overdue_since")


# -- operators ----------------------------------------------------------------------------------
@when(parsers.parse("an operator replays it to version {version:d}"), target_fixture="replayed")
def replays_to(operator, submission, version):
    return operator.Replay(ops.ReplayRequest(application_id=submission["application_id"], version=version))


@then(parsers.parse("the replayed application is {status} with only {step_id} DISPATCHED"))
def replayed_state(replayed, status, step_id):
    assert pb.Application.Status.Name(replayed.status) == status
    assert [s.id for s in replayed.steps if s.status == pb.Step.DISPATCHED] == [step_id]
    assert all(s.status == pb.Step.PENDING for s in replayed.steps if s.id != step_id)


@then("replayed to its last version it is exactly what Get reports")
def replay_matches_get(operator, applicant, submission):
    current = applicant.get(submission["application_id"])
    assert operator.Replay(ops.ReplayRequest(application_id=submission["application_id"],
                                             version=current.version)) == current


@given("applications of two bundles have been handled", target_fixture="handled")
def two_bundles_handled(applicant):
    ids = [applicant.submit(newborn_form(), bundle="newborn"),
           applicant.submit(example_company_form("startup"), bundle="startup")]
    for application_id in ids:
        assert applicant.settle(application_id).status == pb.Application.COMPLETED
    return ids


def views(operator) -> tuple:
    listing = operator.ListApplications(ops.ListApplicationsRequest(page_size=500))
    return listing, operator.GetStatistics(ops.GetStatisticsRequest())


@given("an operator has noted the application listing and the statistics", target_fixture="noted")
def noted_views(operator, handled):
    return views(operator)


@when("the read side is wiped")
def wipe_read_side(running_suite):
    import sqlite3

    db = sqlite3.connect(Path(running_suite.env["LIFEEVENTS_DATA_DIR"]) / "read_models.sqlite")
    with db:
        for table in ("applications", "pending_steps", "step_durations", "bundle_durations"):
            db.execute(f"DELETE FROM {table}")
    db.close()


@then("the listing no longer shows them")
def listing_empty(operator, handled):
    listed = {a.application_id for a in operator.ListApplications(ops.ListApplicationsRequest(page_size=500))
              .applications}
    assert not listed & set(handled)


@when("an operator rebuilds the projections")
def rebuild(operator):
    progress = list(operator.RebuildProjections(ops.RebuildProjectionsRequest()))
    assert progress[-1].done and progress[-1].applied == progress[-1].total > 0


@then("the listing and the statistics are identical to the noted ones")
def identical_views(operator, noted):
    assert views(operator) == noted


@when(parsers.parse('the fault is repaired and an operator retries {step_id} because "{reason}"'))
def repaired_and_retried(fault_rules, operator, submission, step_id, reason):
    fault_rules.path.write_text("[]")
    operator.RetryStep(ops.StepActionRequest(application_id=submission["application_id"], step=step_id,
                                             reason=reason))


@then(parsers.parse("the application is {status} in the end"), target_fixture="application")
def in_the_end(applicant, submission, status):
    deadline = time.monotonic() + 30
    while (application := applicant.get(submission["application_id"])).status != pb.Application.Status.Value(status):
        assert time.monotonic() < deadline, application
        time.sleep(0.1)
    return application


@then(parsers.parse('its history shows the retry by operator "{name}" because "{reason}"'))
def retry_in_history(operator, submission, name, reason):
    history = operator.GetHistory(ops.GetHistoryRequest(application_id=submission["application_id"]))
    [retry] = [e for e in history.events if e.type == "StepRetried"]
    assert retry.operator == name and json.loads(retry.payload_json)["reason"] == reason
