"""A bundle is data: a fifth bundle, written as one file in a temporary directory from actions the
departments already perform, runs end to end on an unchanged suite."""
import textwrap

import pytest

from deploy.local import PrivateSuite
from lifeevents.v1 import applications_pb2 as pb
from tests.support.applications import step
from tests.support.clients import Registers

pytestmark = pytest.mark.e2e

SEAL_REPLACEMENT = textwrap.dedent("""
    # 印章补刻: a company that lost its seals has the old set cancelled and a new one engraved.
    id: seal_replacement
    name: {zh: 印章遗失补刻, en: Replacement of lost seals}
    time_limit: 1d
    description: {zh: 注销遗失印章并重新刻制, en: Cancel the lost seals and engrave a new set}
    principals: [legal_rep_id]   # the legal representative the market register holds
    fields:
      credit_code: {type: credit_code, required: true, label: {zh: 统一社会信用代码, en: Credit code}}
      legal_rep_id: {type: resident_id, required: true, label: {zh: 法定代表人身份证号, en: Legal representative's ID},
                     lookup: {query: market_regulation.company, key: credit_code, value: legal_rep_id}}
      company_name: {type: text, required: true, label: {zh: 企业名称, en: Company name},
                     lookup: {query: market_regulation.company, key: credit_code, value: name}}
      legal_rep_name: {type: text, required: true, label: {zh: 法定代表人, en: Legal representative},
                       lookup: {query: market_regulation.company, key: credit_code, value: legal_rep_name}}
    steps:
      cancel_lost_seals:
        department: seals
        action: cancel_seals
        time_limit: 4h
        inputs: {credit_code: form.credit_code, legal_rep_name: form.legal_rep_name}
      engrave_new_seals:
        department: seals
        action: engrave_seals
        after: [cancel_lost_seals]
        time_limit: 4h
        inputs: {credit_code: form.credit_code, company_name: form.company_name,
                 legal_rep_name: form.legal_rep_name}
""")


def test_a_bundle_written_as_one_file_runs_end_to_end(tmp_path):
    bundles = tmp_path / "bundles"
    bundles.mkdir()
    (bundles / "seal_replacement.yaml").write_text(SEAL_REPLACEMENT, encoding="utf-8")
    with PrivateSuite(tmp_path / "data", LIFEEVENTS_BUNDLES_DIR=str(bundles)) as suite, \
            suite.applicants() as applicants:
        offered = applicants.anonymous().stub.ListBundles(pb.ListBundlesRequest(), timeout=5).bundles
        assert [b.id for b in offered] == ["seal_replacement"]
        form = applicants.anonymous().stub.GetForm(pb.GetFormRequest(bundle="seal_replacement"), timeout=5)
        assert (form.asked_count, form.looked_up_count, list(form.principals)) == (1, 3, ["legal_rep_id"])

        legal_rep = applicants.citizen("370202199003070011")  # 王建国, as the market register knows
        application = legal_rep.settle(legal_rep.submit({"credit_code": "91370202900000014F"},
                                                        bundle="seal_replacement"))
        assert application.status == pb.Application.COMPLETED, suite.log_tail()
        assert step(application, "cancel_lost_seals").result["cancelled_seal_set_no"] == "Y20190000417"
        registers = Registers(suite.department_addresses, suite.tokens.service())
        seal_set = registers.seals.GetSealSet(credit_code="91370202900000014F")
        assert seal_set.status == "active"
        assert seal_set.set_no == step(application, "engrave_new_seals").result["seal_set_no"]
        registers.close()
