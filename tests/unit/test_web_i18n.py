"""The web's message catalogue: every text in both languages, every key the templates use, and
names for every department, action, result and option the shipped bundle data uses."""
import re
from pathlib import Path

import pytest
import yaml

from lifeevents.v1 import applications_pb2 as pb
from web.api import FieldViolation
from web.forms import field_errors, field_views
from web.i18n import LANGUAGES, MESSAGES, Translator

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = yaml.safe_load((ROOT / "bundles" / "departments.yaml").read_text(encoding="utf-8"))["departments"]
BUNDLES = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "bundles").glob("*.yaml"))
           if p.name != "departments.yaml"]


def test_every_text_is_in_both_languages():
    for key, texts in MESSAGES.items():
        assert set(texts) == set(LANGUAGES) and all(texts.values()), key
        assert set(re.findall(r"{(\w+)}", texts["zh"])) == set(re.findall(r"{(\w+)}", texts["en"])), key


def test_every_key_the_templates_and_code_use_is_in_the_catalogue():
    sources = [*(ROOT / "web" / "templates").rglob("*.html"), *(ROOT / "web").glob("*.py")]
    used = set()
    for path in sources:
        used.update(re.findall(r"""\bt\(\s*['"]([a-z_]+\.[a-z_.]+)['"]""", path.read_text(encoding="utf-8")))
    # notices travel in the session as keys; error pages are named by kind
    for path in (ROOT / "web").glob("*.py"):
        used.update(re.findall(r"""['"](sign_in\.(?!html)[a-z_]+)['"]""", path.read_text(encoding="utf-8")))
        used.update(re.findall(r"""notify\([^,]+,\s*['"]([a-z_.]+)['"]""", path.read_text(encoding="utf-8")))
        used.update(re.findall(r"""['"]([a-z_]+\.[a-z_]+\.[a-z_.]+)['"] if """, path.read_text(encoding="utf-8")))
        for kind in re.findall(r"""error_page\(\d+, ['"]([a-z_]+)['"]""", path.read_text(encoding="utf-8")):
            used.update({f"page.{kind}.title", f"page.{kind}.body"})
    assert {"sign_in.expired", "page.csrf.title", "page.unavailable.body", "delegation.revoked"} <= used, \
        "the patterns find the keys"
    prefixes = {key for key in used if key.endswith((".", "_"))}  # t('status.application.' ~ status)
    assert not (used - prefixes) - set(MESSAGES)
    assert all(any(m.startswith(prefix) for m in MESSAGES) for prefix in prefixes)


def test_every_status_every_staff_role_and_every_measure_has_a_name():
    assert all(f"status.application.{s}" in MESSAGES for s in pb.Application.Status.keys() if s != "STATUS_UNSPECIFIED")
    assert all(f"status.step.{s}" in MESSAGES for s in pb.Step.Status.keys() if s != "STATUS_UNSPECIFIED")
    assert all(f"home.staff.{role}" in MESSAGES for role in ("officer", "operator", "admin"))
    assert all(f"stats.measure.{m}" in MESSAGES for m in ("steps", "materials", "promised_days", "visits"))
    assert all(f"ops.step.done_{action}" in MESSAGES for action in ("retry", "skip"))


@pytest.mark.parametrize("department", sorted(d for d in CATALOGUE if CATALOGUE[d].get("lookups")))
def test_every_item_a_register_gives_has_a_name(department):
    """Items of the data-access log: what a register lookup gave."""
    for lookup in CATALOGUE[department]["lookups"].values():
        assert not [item for item in lookup["gives"] if f"item.{item}" not in MESSAGES]


@pytest.mark.parametrize("department", sorted(CATALOGUE))
def test_departments_and_their_actions_and_results_have_names(department):
    assert f"department.{department}" in MESSAGES
    for action, spec in CATALOGUE[department]["actions"].items():
        assert f"action.{department}.{action}" in MESSAGES
        for result in spec.get("outputs") or []:
            assert f"result.{result}" in MESSAGES


def test_choice_options_of_the_shipped_bundles_have_names():
    options = {o for b in BUNDLES for f in b["fields"].values() for o in f.get("options", []) if not str(o).isdigit()}
    assert options and not {o for o in options if f"option.{o}" not in MESSAGES}


def test_an_unknown_id_is_shown_as_it_is():
    t = Translator("en")
    assert t.department("fisheries") == "fisheries" and t.result("permit_no") == "permit_no"
    assert t.department("health") == "Health Commission"


NEWBORN_FORM = pb.Form(bundle="newborn", name=pb.LocalizedText(zh="出生一件事", en="Newborn"), fields=[
    pb.FormField(name="child_name", type="text", required=True, label=pb.LocalizedText(zh="新生儿姓名", en="Child's name")),
    pb.FormField(name="child_sex", type="choice", required=True, options=["male", "female"],
                 label=pb.LocalizedText(zh="新生儿性别", en="Child's sex")),
    pb.FormField(name="birth_date", type="date", required=True, label=pb.LocalizedText(zh="出生日期", en="Date of birth")),
    pb.FormField(name="mailing_address", type="text", required=True,
                 label=pb.LocalizedText(zh="社保卡邮寄地址", en="Card mailing address"),
                 lookup=pb.Lookup(department="civil_registration", query="household_of", key_field="mother_id",
                                  value="address")),
])


def test_the_apis_field_violations_become_messages_at_their_fields_in_the_form_order():
    violations = (
        FieldViolation("form.birth_date", "2026-12-03 is after today (2026-12-01)"),
        FieldViolation("form.mailing_address", "civil_registration holds no record for mother_id 370202199205140022; "
                                               "please enter it"),
        FieldViolation("form.child_sex", "required"),
        FieldViolation("form.child_name", "required"),
        FieldViolation("form.nickname", "not a field of the newborn form"),
    )
    at_field, summary = field_errors(NEWBORN_FORM, violations, Translator("en"))
    assert at_field == {
        "child_name": "Enter child's name",
        "child_sex": "Select child's sex",
        "birth_date": "Date of birth must be today or in the past",
        "mailing_address": "Civil registration (public security) holds no record of this; enter card mailing address",
    }
    assert [link.href for link in summary] == ["#field-child_name", "#field-child_sex", "#field-birth_date",
                                               "#field-mailing_address", ""]
    assert summary[-1].message == "not a field of the newborn form"
    zh, _ = field_errors(NEWBORN_FORM, violations[:1] + violations[3:4], Translator("zh"))
    assert zh == {"birth_date": "出生日期不能晚于今天", "child_name": "请填写新生儿姓名"}


def test_a_description_the_web_does_not_know_is_shown_as_the_api_gave_it():
    at_field, _ = field_errors(NEWBORN_FORM, (FieldViolation("form.child_name", "a brand new rule"),), Translator("zh"))
    assert at_field == {"child_name": "a brand new rule"}


RETIREMENT_FORM = pb.Form(bundle="retirement", name=pb.LocalizedText(zh="退休一件事", en="Retirement"), fields=[
    pb.FormField(name="resident_id", type="resident_id", required=True,
                 label=pb.LocalizedText(zh="身份证号", en="Resident ID")),
    pb.FormField(name="birth_date", type="date", required=True, label=pb.LocalizedText(zh="出生日期", en="Date of birth"),
                 lookup=pb.Lookup(department="civil_registration", query="person", key_field="resident_id",
                                  value="birth_date")),
    pb.FormField(name="contribution_years", type="number", required=True, minimum=0, maximum=60,
                 label=pb.LocalizedText(zh="累计缴费年限", en="Years of contributions"),
                 lookup=pb.Lookup(department="social_security", query="contribution_record",
                                  key_field="resident_id", value="contribution_years")),
    pb.FormField(name="bank_account", type="text", required=True, max_length=40,
                 label=pb.LocalizedText(zh="收款银行账号", en="Bank account")),
])


def test_numbers_registers_that_disagree_and_lengths_are_said_in_both_languages():
    violations = (
        FieldViolation("form.contribution_years", "a number from 0 to 60, written with the digits 0-9 (and a decimal "
                                                  "point)"),
        FieldViolation("form.birth_date", "differs from what civil_registration holds; leave it out to use the "
                                          "register's value"),
        FieldViolation("form.bank_account", "at most 40 characters (this has 41)"),
    )
    zh, _ = field_errors(RETIREMENT_FORM, violations, Translator("zh"))
    assert zh == {"contribution_years": "累计缴费年限应为 0 到 60 之间的数字，只用数字 0-9 和小数点",
                  "birth_date": "出生日期与公安户籍登记的信息不一致。可以不填，以登记信息为准",
                  "bank_account": "收款银行账号不能超过 40 个字"}
    en, _ = field_errors(RETIREMENT_FORM, violations, Translator("en"))
    assert en["contribution_years"] == ("Years of contributions must be a number from 0 to 60, written with the "
                                        "digits 0-9 and a decimal point")
    assert en["birth_date"] == ("Date of birth differs from what Civil registration (public security) holds. Leave it "
                                "out to use the register's")
    principal, _ = field_errors(RETIREMENT_FORM, (FieldViolation(
        "form.resident_id", "civil_registration holds no record of it, so resident_id cannot be confirmed"),),
        Translator("zh"))
    assert principal == {"resident_id": "公安户籍没有相关登记，无法核实身份证号"}


def test_a_number_field_says_its_range_and_a_suggested_value_is_a_default_not_already_known():
    views = {v.name: v for v in field_views(RETIREMENT_FORM, {}, {}, Translator("en"))}
    assert views["contribution_years"].inputmode == "decimal"
    assert "A number from 0 to 60" in views["contribution_years"].hint
    assert views["birth_date"].known_from and not views["birth_date"].suggested_from
    suggested = pb.Form(bundle="newborn", fields=[pb.FormField(
        name="mailing_address", type="text", required=True, label=pb.LocalizedText(zh="社保卡邮寄地址", en="Card mailing address"),
        lookup=pb.Lookup(department="civil_registration", query="household_of", key_field="mother_id",
                         value="address", suggested=True))])
    view, = field_views(suggested, {}, {}, Translator("zh"))
    assert not view.known_from and view.suggested_from == "公安户籍" and not view.required
    assert view.hint.startswith("可以不填：不填时使用公安户籍登记的信息作为默认值")
