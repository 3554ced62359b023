"""Personal data out of places it does not belong: the masks, the one logging filter every process
installs, and an application's personal values masked wherever someone else looks."""
import logging
import os

from lifeevents import privacy
from lifeevents.privacy import PersonalDataFilter, mask_text, mask_values
from saga.domain.application import Application
from saga.domain.privacy import PersonalData
from tests.support.fakes import START, shipped_bundles, shipped_catalogue

MOTHER = "370202199205140022"


def test_identifiers_phones_and_accounts_are_masked_by_their_shape_and_codes_are_not():
    text = f"mother {MOTHER}, grandmother 11010519491231002X, phone 13805320001, account 6228480402564890018"
    assert mask_text(text) == ("mother 370202********0022, grandmother 110105********002X, phone 138****0001, "
                               "account ***************0018")
    kept = "code 91370202900000014F, application 6f1c2a52-6a9e-4a0b-9a57-2f4e0d6b7c31, card S00000012, 2026-11-18"
    assert mask_text(kept) == kept


def test_names_and_addresses_are_masked_by_value():
    reason = "王小禾, born 2026-11-18 to 李秀英 at 山东省青岛市市南区香港中路10号, is already registered"
    masked = mask_values(reason, ["王小禾", "李秀英", "山东省青岛市市南区香港中路10号"])
    assert masked == "王*禾, born 2026-11-18 to 李*英 at 山" + "*" * 15 + ", is already registered"


def test_the_logging_filter_masks_messages_and_tracebacks(caplog):
    logger = logging.getLogger("test.privacy")
    handler = logging.StreamHandler(stream := __import__("io").StringIO())
    handler.addFilter(PersonalDataFilter())
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    try:
        logger.warning("lookup for %s missed", MOTHER)
        try:
            raise LookupError(f"no person {MOTHER!r}")
        except LookupError:
            logger.exception("handling %s failed", "13805320001")
    finally:
        logger.removeHandler(handler)
    written = stream.getvalue()
    assert MOTHER not in written and "13805320001" not in written
    assert "lookup for 370202********0022 missed" in written and "no person '370202********0022'" in written


def test_install_puts_the_filter_on_every_root_handler_once_and_makes_files_private(tmp_path):
    root = logging.getLogger()
    handler = logging.StreamHandler()
    root.addHandler(handler)
    before = os.umask(0o022)
    try:
        privacy.install()
        privacy.install()
        assert sum(isinstance(f, PersonalDataFilter) for f in handler.filters) == 1
        (tmp_path / "f").write_text("x")
        (tmp_path / "d").mkdir()
        assert (tmp_path / "f").stat().st_mode & 0o777 == 0o600 and (tmp_path / "d").stat().st_mode & 0o777 == 0o700
    finally:
        os.umask(before)
        root.removeHandler(handler)


def test_an_applications_personal_values_are_its_personal_fields_and_personal_results():
    bundle = shipped_bundles().get("newborn")
    form = {"mother_id": MOTHER, "mother_name": "李秀英", "child_name": "王小禾", "child_sex": "female",
            "birth_date": "2026-11-18", "birth_hospital": "青岛市妇女儿童医院", "contact_phone": "13805320001",
            "mailing_address": "青岛某路1号"}
    application = Application.submit(bundle, form, START, __import__("uuid").uuid4())
    application.steps["household_registration"].result = {"child_id": "370202202611180024", "household_no": "1",
                                                          "household_address": "青岛某路2号"}
    personal = PersonalData.of(application, bundle, shipped_catalogue())
    assert personal.values == {MOTHER, "李秀英", "王小禾", "13805320001", "青岛某路1号", "青岛某路2号"}
    assert personal.mask_all({"child_sex": "female", "mother_name": "李秀英", "child_id": "370202202611180024"}) == {
        "child_sex": "female", "mother_name": "李*英", "child_id": "370202********0024"}
