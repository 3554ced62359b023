"""Forms the local suite accepts: they name people and companies of the demo seed the departments
load (services/*/seed.yaml) and the shipped examples (bundles/examples/), with a child or a company
nobody has registered yet, so each may be submitted again and again. Used by the tests, the
benchmarks and the fault suite."""
from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "bundles" / "examples"
MOTHER = "370202199205140022"  # 李秀英 of the civil register's seed: the mother newborn_form() names
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "一二三小宇轩子涵欣怡浩然梓萱思雨俊杰雨桐诗琪嘉怡博文天佑安琪晨曦明轩"


def unique_child_name() -> str:
    rng = random.Random(uuid.uuid4().int)
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(3))


def newborn_form(**overrides) -> dict:
    """A valid newborn form for a seeded mother and a child no other form names; an override of
    None leaves the field out."""
    form = {
        "mother_id": MOTHER, "mother_name": "李秀英",
        "father_id": "370202199003070011", "father_name": "王建国",
        "child_name": unique_child_name(), "child_sex": "female",
        "birth_date": (dt.date.today() - dt.timedelta(days=3)).isoformat(),
        "birth_hospital": "青岛市妇女儿童医院", "contact_phone": "13805320001",
        "mailing_address": "山东省青岛市市南区香港中路10号2单元301户",
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def example_form(bundle: str) -> dict:
    """The shipped example form of a bundle, as `make demo BUNDLE=<bundle>` submits it."""
    return json.loads((EXAMPLES / f"{bundle}.json").read_text(encoding="utf-8"))


def new_company_form(bundle: str = "startup") -> dict:
    """The bundle's example form for a company nobody has registered yet: a fresh company name."""
    form = example_form(bundle)
    form["company_name"] = f"{form['company_name'][:-4]}{uuid.uuid4().int % 10**6:06d}有限公司"
    return form
