"""A bundle's commitments (告知承诺) as the loader reads them, and each thing it refuses, named."""
import copy
import datetime as dt

import pytest
import yaml

from saga.domain.errors import BundleDefinitionError
from saga.domain.parser import parse_bundle
from tests.support.fakes import ROOT, shipped_catalogue

CATALOGUE = shipped_catalogue()
SHIPPED = yaml.safe_load((ROOT / "bundles" / "deregistration_simplified.yaml").read_text(encoding="utf-8"))


def loaded(change=lambda c: None):
    data = copy.deepcopy(SHIPPED)
    change(data["commitments"]["no_debts"])
    return parse_bundle(data, "deregistration_simplified.yaml", CATALOGUE)


def problems(change) -> str:
    with pytest.raises(BundleDefinitionError) as refused:
        loaded(change)
    return str(refused.value)


def test_the_shipped_commitment_loads_with_its_verification_and_record():
    [commitment] = loaded().commitments
    assert commitment.form_key == "commitment.no_debts" and commitment.after == dt.timedelta(days=30)
    assert (commitment.verify.department, commitment.verify.action) == ("market_regulation", "verify_no_debts")
    assert commitment.record.action == "record_broken_commitment" and commitment.replaces.en == "Liquidation report"
    assert commitment.as_plan()["verify"]["inputs"] == {"credit_code": "form.credit_code"}


@pytest.mark.parametrize("change, named", [
    (lambda c: c["verify"].update(by="market_regulation.no_such_action"), "commitments.no_debts.verify.by"),
    (lambda c: c["verify"].update(by="no_such_department.verify_no_debts"), "commitments.no_debts.verify.by"),
    (lambda c: c["verify"].update(by="tax.clear_tax", inputs={"credit_code": "form.credit_code",
                                                              "company_name": "form.company_name"}),
     "gives no commitment_holds, finding"),
    (lambda c: c["verify"].update(after="0s"), "commitments.no_debts.verify.after"),
    (lambda c: c["verify"].update(after="30 days"), "commitments.no_debts.verify.after"),
    (lambda c: c["verify"].update(after="3000d"), "more than ten times"),
    (lambda c: c["verify"].update(inputs={}), "needs 'credit_code'"),
    (lambda c: c["verify"].update(inputs={"credit_code": "form.no_field"}), "verify.inputs.credit_code"),
    (lambda c: c["verify"].update(inputs={"credit_code": "public_notice.notice_no"}), "not form.<field>"),
    (lambda c: c.pop("verify"), "commitments.no_debts.verify"),
    (lambda c: c.update(record={"by": "market_regulation.cancel_registration",
                                "inputs": {"credit_code": "form.credit_code"}}), "takes no commitment, finding"),
    (lambda c: c.update(record="market_regulation"), "commitments.no_debts.record"),
    (lambda c: c.update(allows=["no_such_step"]), "commitments.no_debts.allows: no step"),
    (lambda c: c.update(text={"zh": "只有中文"}), "commitments.no_debts.text"),
    (lambda c: c.update(verified=True), "unknown key(s)"),
])
def test_a_bad_commitment_is_refused_naming_it(change, named):
    assert named in problems(change)


def test_commitments_are_optional_and_a_bundle_without_them_asks_for_none():
    data = copy.deepcopy(SHIPPED)
    data.pop("commitments")
    assert parse_bundle(data, "x.yaml", CATALOGUE).commitments == ()
