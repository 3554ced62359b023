"""Market regulation's side of 告知承诺: a commitment of no debts verified against creditors' claims,
a broken one kept per credit code and refusing the company's next simplified deregistration, and a
cancelled registration restored when its deregistration is revoked."""
import datetime as dt

from services.common.domain import InMemoryRegister
from services.common.seed import load_seed_file
from services.market_regulation.domain import MarketRegulation

TODAY = dt.date(2026, 11, 22)
IN_DEBT, XINING = "91510104900000049E", "91630102900000030K"
XINING_REP = "630102198702110354"


def market():
    department = MarketRegulation(InMemoryRegister(), today=lambda: TODAY)
    load_seed_file(department)
    return department


def test_the_seeded_claims_break_a_commitment_of_no_debts_and_none_keep_it():
    department = market()
    broken = department.handle("v1", "verify_no_debts", {"credit_code": IN_DEBT})
    kept = department.handle("v2", "verify_no_debts", {"credit_code": XINING})
    assert broken.outputs == {"commitment_holds": "false",
                              "finding": "2 unpaid claim(s) of creditors registered, 84600 yuan in all"}
    assert kept.outputs["commitment_holds"] == "true"


def test_a_recorded_broken_commitment_refuses_the_next_public_notice_with_the_reason():
    department = market()
    notice = {"credit_code": XINING, "company_name": "西宁高原牧业有限公司", "registered_address": "西宁"}
    recorded = department.handle("r1", "record_broken_commitment",
                                 {"credit_code": XINING, "commitment": "no_debts", "finding": "a claim of 9000 yuan"})
    assert recorded.completed and recorded.outputs["record_no"].startswith("BC2026")
    refused = department.handle("n1", "publish_deregistration_notice", notice)
    assert not refused.completed and "broke its commitment no_debts on 2026-11-22 (a claim of 9000 yuan)" in \
        refused.reason


def test_a_company_without_a_record_gets_its_notice():
    assert market().handle("n1", "publish_deregistration_notice", {
        "credit_code": XINING, "company_name": "西宁高原牧业有限公司", "registered_address": "西宁"}).completed


def test_a_cancelled_registration_is_restored_and_an_active_one_is_not():
    department = market()
    inputs = {"credit_code": XINING, "legal_rep_id": XINING_REP}
    assert not department.handle("x0", "restore_registration", inputs).completed, "not cancelled"
    assert department.handle("c1", "cancel_registration", {**inputs, "reason": "business_ended"}).completed
    restored = department.handle("x1", "restore_registration", inputs)
    assert restored.outputs == {"restored_credit_code": XINING} and department.company(XINING)["status"] == "active"
