"""Chinese identifiers with real checksums: GB 11643 resident IDs, GB 32100 credit codes.

Pure functions, no I/O: the coordinator checks them at the door and departments
check and issue them.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_CHECK = "10X98765432"
# ASCII only: \d would also take full-width and other scripts' digits (lifeevents/text.py).
RESIDENT_ID_PATTERN = "^[0-9]{17}[0-9X]$"
_RESIDENT_ID_SHAPE = re.compile(RESIDENT_ID_PATTERN, re.ASCII)

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
CREDIT_CODE_PATTERN = f"^[{CREDIT_CODE_ALPHABET}]{{18}}$"


class InvalidIdentifier(ValueError):
    """An identifier that fails its standard's shape, date or checksum."""


@dataclass(frozen=True)
class ResidentId:
    number: str
    area_code: str
    birth_date: dt.date
    sequence: int

    @property
    def sex(self) -> str:
        # GB 11643: an odd sequence number is a man, an even one a woman.
        return "male" if self.sequence % 2 else "female"


def resident_id_check_character(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, RESIDENT_ID_WEIGHTS))
    return RESIDENT_ID_CHECK[total % 11]


def parse_resident_id(value: str, today: dt.date | None = None) -> ResidentId:
    """Parse an 18-character resident ID, or raise InvalidIdentifier saying what is wrong."""
    number = (value or "").strip()
    number = number.upper() if number.isascii() else number  # upper() maps some letters of other scripts to ASCII
    if not _RESIDENT_ID_SHAPE.fullmatch(number):
        raise InvalidIdentifier("a resident ID is 17 digits and a check digit or X")
    try:
        birth_date = dt.datetime.strptime(number[6:14], "%Y%m%d").date()
    except ValueError:
        raise InvalidIdentifier(f"a resident ID holds a birth date; {number[6:14]} is not a date") from None
    if birth_date.year < 1900 or birth_date > (today or dt.date.today()):
        raise InvalidIdentifier(f"birth date {birth_date.isoformat()} in the resident ID is impossible")
    expected = resident_id_check_character(number[:17])
    if number[17] != expected:
        raise InvalidIdentifier(f"check character should be {expected}, not {number[17]}")
    return ResidentId(number, number[:6], birth_date, int(number[14:17]))


def make_resident_id(area_code: str, birth_date: dt.date, sequence: int) -> str:
    if not re.fullmatch(r"[0-9]{6}", area_code, re.ASCII) or not 0 < sequence < 1000:
        raise InvalidIdentifier("area code is 6 digits and sequence is 1..999")
    first17 = f"{area_code}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + resident_id_check_character(first17)


def credit_code_check_character(first17: str) -> str:
    total = sum(CREDIT_CODE_ALPHABET.index(ch) * w for ch, w in zip(first17, CREDIT_CODE_WEIGHTS))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def parse_credit_code(value: str) -> str:
    """Check an 18-character unified social credit code; return it normalised."""
    code = (value or "").strip()
    code = code.upper() if code.isascii() else code
    if len(code) != 18 or any(ch not in CREDIT_CODE_ALPHABET for ch in code):
        raise InvalidIdentifier(
            "a unified social credit code is 18 characters of 0-9 and A-Y without I, O, S, V, Z"
        )
    expected = credit_code_check_character(code[:17])
    if code[17] != expected:
        raise InvalidIdentifier(f"check character should be {expected}, not {code[17]}")
    return code


def make_credit_code(first17: str) -> str:
    return first17 + credit_code_check_character(first17)
