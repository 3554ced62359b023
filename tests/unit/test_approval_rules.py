"""Who decides a step, as bundle data (saga/domain/approval.py): the rules over a step's inputs, the
loader's checks of each declaration (naming the file and item), the plan that records it, and the
catalogue's `may_escalate` against the departments' own escalation rules."""
import copy
import importlib
import inspect
from pathlib import Path

import pytest
import yaml

from saga.domain.approval import EVERY_CASE, OFFICER, Approval, ApprovalMode, Review, Rule, Condition
from saga.domain.errors import BundleDefinitionError
from saga.domain.parser import parse_bundle
from saga.domain.steps import plan_of
from services.common.domain import Department
from tests.support.fakes import shipped_bundles, shipped_catalogue

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = shipped_catalogue()
BUNDLES = shipped_bundles()


def startup_with(approval) -> dict:
    data = yaml.safe_load((ROOT / "bundles" / "startup.yaml").read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    data["steps"]["business_registration"]["approval"] = approval
    return data


def problems_of(data: dict) -> list[str]:
    with pytest.raises(BundleDefinitionError) as err:
        parse_bundle(data, "startup.yaml", CATALOGUE)
    return err.value.problems


@pytest.mark.parametrize("test, values, value, holds", [
    (Condition.IN, ("special",), "special", True),
    (Condition.IN, ("special",), "production", False),
    (Condition.IN, ("special",), "", False),
    (Condition.NOT_IN, ("managerial_technical",), "special", True),
    (Condition.NOT_IN, ("managerial_technical",), "managerial_technical", False),
    (Condition.CONTAINS_ANY, ("中国", "国际"), "青岛国际海洋有限公司", True),
    (Condition.CONTAINS_ANY, ("中国", "国际"), "青岛海洋有限公司", False),
])
def test_a_rule_tests_one_input(test, values, value, holds):
    assert Rule("x", test, values).holds({"x": value}) is holds


def test_the_shipped_rules_send_special_post_types_and_restricted_names_to_an_officer():
    retirement = BUNDLES.get("retirement").steps["retirement_approval"].approval
    assert retirement.review({"post_type": "special"}) == Review(
        True, ("特殊工种提前退休，须核实工种和年限 (early retirement for a special post type; the post and its years are checked)",))
    assert retirement.review({"post_type": "production"}) == Review(False, ())
    startup = BUNDLES.get("startup").steps
    assert startup["business_registration"].approval.review({"company_name": "中华海洋科技有限公司"}).by_officer
    assert not startup["business_registration"].approval.review({"company_name": "青岛海洋科技有限公司"}).by_officer
    assert startup["seals"].approval == Approval(), "every other step is the department's rules' (秒批)"
    assert Approval(ApprovalMode.OFFICER).review({}) == Review(True, (EVERY_CASE,))
    assert Review(True).wire == OFFICER and Review(False).wire == ""


def test_the_plan_records_an_approval_only_where_an_officer_may_decide_and_reads_it_back():
    plan = {entry["id"]: entry for entry in plan_of(BUNDLES.get("startup"))}
    assert "approval" not in plan["seals"]
    recorded = plan["business_registration"]["approval"]
    assert recorded["mode"] == "by_rule" and recorded["rules"][0]["values"] == ["中国", "中华", "国家", "国际"]
    assert Approval.from_plan(recorded) == BUNDLES.get("startup").steps["business_registration"].approval
    assert Approval.from_plan(None) == Approval()


@pytest.mark.parametrize("approval", ["auto", "officer", None,
                                      {"officer_when": [{"input": "company_type", "not_in": ["limited_company"]}]}])
def test_every_form_of_the_declaration_loads(approval):
    assert parse_bundle(startup_with(approval), "startup.yaml", CATALOGUE).steps["business_registration"]


@pytest.mark.parametrize("approval, words", [
    ("sometimes", "steps.business_registration.approval: auto, officer, or {officer_when: [rules]}"),
    ({"officer_when": []}, "steps.business_registration.approval.officer_when: a list of 1 to 20 rules"),
    ({"officer_when": [{"input": "shoe_size", "in": ["44"]}]},
     "steps.business_registration.approval.officer_when[0].input: 'shoe_size' is not an input of the step"),
    ({"officer_when": [{"input": "company_name", "in": ["a"], "contains_any": ["b"]}]},
     "officer_when[0]: exactly one of in, not_in, contains_any"),
    ({"officer_when": [{"input": "company_name", "matches": ["a"]}]}, "officer_when[0]: unknown key(s) 'matches'"),
    ({"officer_when": [{"input": "company_name", "in": []}]}, "officer_when[0].in: a list of 1 to 50 texts"),
    ({"officer_when": [{"input": "company_name", "in": ["x" * 65]}]}, "a list of 1 to 50 texts of 1 to 64"),
    ({"officer_when": [{"input": "company_name", "in": ["x"], "reason": "why"}]},
     "officer_when[0].reason: zh and en text"),
    ({"officer_when": ["company_name"]}, "officer_when[0]: a mapping like"),
])
def test_the_loader_names_what_is_wrong_with_a_declaration(approval, words):
    assert any(words in problem for problem in problems_of(startup_with(approval))), problems_of(startup_with(approval))


def test_a_wait_has_no_approval():
    data = yaml.safe_load((ROOT / "bundles" / "deregistration_simplified.yaml").read_text(encoding="utf-8"))
    data["steps"]["notice_period"]["approval"] = "officer"
    with pytest.raises(BundleDefinitionError, match="a wait step has no department, action, inputs or approval"):
        parse_bundle(data, "deregistration_simplified.yaml", CATALOGUE)


def domain_of(department: str) -> type[Department]:
    module = importlib.import_module(f"services.{department}.domain")
    [domain] = [cls for _, cls in inspect.getmembers(module, inspect.isclass)
                if issubclass(cls, Department) and cls.__module__ == module.__name__ and cls.name == department]
    return domain


@pytest.mark.parametrize("department", sorted(CATALOGUE.departments))
def test_an_action_the_department_escalates_is_declared_may_escalate_and_no_other(department):
    domain = domain_of(department)
    declared = {name for name, action in CATALOGUE.departments[department].actions.items() if action.escalates}
    assert declared == set(domain.escalations)
    for method in domain.escalations.values():
        assert callable(getattr(domain, method))


def test_social_security_declares_why_a_retirement_may_go_to_an_officer():
    escalates = CATALOGUE.action("social_security", "approve_retirement").escalates
    assert escalates.en == "a gap in the contribution record goes to an officer"


def test_the_worklist_and_the_answers_import_no_nameko_and_no_broker():
    for name in ("worklist", "decisions"):
        source = (ROOT / "services" / "common" / f"{name}.py").read_text(encoding="utf-8")
        assert not any(f"import {m}" in source or f"from {m}" in source
                       for m in ("nameko", "eventlet", "kombu", "grpc ", "pika")), name
