"""What a person does in the browser, step by step, shared by the scenarios."""
from __future__ import annotations

import datetime as dt

from deploy.sample_forms import unique_child_name

MOTHER = "370202199205140022"


def sign_in_as_demo_person(page, index: int = 0, button: str = "以所选人员登录") -> None:
    """On the sign-in page: choose the index-th demo person (0 is the mother 李秀英)."""
    page.locator("#field-person" if index == 0 else f"#field-person-{index + 1}").check()
    page.get_by_role("button", name=button).click()


def sign_in_with_resident_id(page, resident_id: str, button: str = "以此身份证号登录") -> None:
    page.fill("#field-resident_id", resident_id)
    page.get_by_role("button", name=button).click()


def fill_newborn_form(page, child_name: str | None = None, phone: str = "13805320001",
                      birth_date: dt.date | None = None) -> str:
    """Fill the newborn form as a mother would, leaving out what the registers already hold
    (her name, the mailing address). Returns the child's name."""
    child_name = unique_child_name() if child_name is None else child_name
    page.fill("#field-mother_id", MOTHER)
    page.fill("#field-father_id", "370202199003070011")
    page.fill("#field-father_name", "王建国")
    page.fill("#field-child_name", child_name)
    page.check("#field-child_sex-2")  # the second option: female
    page.fill("#field-birth_date", (birth_date or dt.date.today() - dt.timedelta(days=2)).isoformat())
    page.fill("#field-birth_hospital", "青岛市妇女儿童医院")
    page.fill("#field-contact_phone", phone)
    return child_name


def step_statuses(page) -> dict[str, str]:
    return page.eval_on_selector_all("[data-step]", "els => Object.fromEntries(els.map(e => "
                                     "[e.dataset.step, e.dataset.stepStatus]))")


def sign_in_as_staff(page, role: str, department: str = "", button: str = "以工作人员身份登录") -> None:
    """On the sign-in page: a staff role (officer, operator, admin), an officer's department."""
    page.locator(f'input[name="role"][value="{role}"]').check()
    if department:
        page.select_option("#field-department", department)
    page.get_by_role("button", name=button).click()


def sign_in_as_agent(page, resident_id: str) -> None:
    page.fill("#field-resident_id", resident_id)
    page.locator('input[name="person_role"][value="agent"]').check()
    page.get_by_role("button", name="以此身份证号登录").click()
