import datetime as dt

import pytest

from lifeevents.identifiers import (InvalidIdentifier, make_credit_code, make_resident_id, parse_credit_code,
                                    parse_resident_id)


@pytest.mark.parametrize("number, birth, sex", [("11010519491231002X", dt.date(1949, 12, 31), "female"),
                                                ("34052419800101001X", dt.date(1980, 1, 1), "male")])
def test_published_resident_ids_are_valid(number, birth, sex):
    parsed = parse_resident_id(number)
    assert (parsed.birth_date, parsed.sex, parsed.area_code) == (birth, sex, number[:6])


def test_a_lower_case_check_x_is_accepted():
    assert parse_resident_id("11010519491231002x").number == "11010519491231002X"


@pytest.mark.parametrize("number, complaint", [
    ("110105194912310021", "check character should be X"),
    ("110105194902310024", "not a date"),
    ("11010519491231002", "17 digits"),
    ("11010529991231002X", "impossible"),
    ("ABCDEFGHIJKLMNOPQR", "17 digits"),
])
def test_bad_resident_ids_say_what_is_wrong(number, complaint):
    with pytest.raises(InvalidIdentifier, match=complaint):
        parse_resident_id(number, today=dt.date(2026, 11, 22))


def test_made_resident_ids_round_trip_with_sex_from_the_sequence():
    for sequence, sex in ((1, "male"), (2, "female"), (999, "male")):
        parsed = parse_resident_id(make_resident_id("370202", dt.date(2026, 11, 18), sequence))
        assert (parsed.sequence, parsed.sex, parsed.birth_date) == (sequence, sex, dt.date(2026, 11, 18))


def test_the_published_credit_code_is_valid_and_a_changed_one_is_not():
    assert parse_credit_code("91110000600037341l") == "91110000600037341L"
    with pytest.raises(InvalidIdentifier, match="check character should be L"):
        parse_credit_code("91110000600037341M")


@pytest.mark.parametrize("letter", "IOSVZ")
def test_credit_codes_exclude_letters_that_look_like_digits(letter):
    with pytest.raises(InvalidIdentifier, match="without I, O, S, V, Z"):
        parse_credit_code("9111000060003734" + letter + "L")


def test_made_credit_codes_round_trip():
    code = make_credit_code("91370202MA3C4XY7Q")
    assert parse_credit_code(code) == code and len(code) == 18
