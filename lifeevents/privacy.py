"""Personal data out of places it does not belong: masks for resident IDs, phone numbers, bank
account numbers, names and addresses, and the one logging filter every process of the suite
installs (the coordinator, each department, the web front door), with a umask that keeps the
files a process creates to its own user.

A mask keeps enough to tell records apart, not enough to reuse: 370202********0022,
138****0001, ***************0018, 李*英. Names and addresses cannot be recognised in free text,
so code never logs them; where a text may quote them (a department's refusal reason), the values
known to be personal are masked by value (`mask_values`).
"""
from __future__ import annotations

import logging
import os
import re
from typing import Iterable

# A resident ID (GB 11643): 6-digit area, 8-digit birth date, 3-digit sequence, check digit or X.
_RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])([0-9]{6})[0-9]{8}([0-9]{3}[0-9Xx])(?![0-9A-Za-z])")
# A mainland mobile number.
_PHONE = re.compile(r"(?<![0-9A-Za-z])(1[3-9][0-9])[0-9]{4}([0-9]{4})(?![0-9A-Za-z])")
# A bank card or account number: 15 to 19 digits (an 18-character resident ID is masked before).
_BANK_ACCOUNT = re.compile(r"(?<![0-9A-Za-z*])[0-9]{11,15}([0-9]{4})(?![0-9A-Za-z])")


def mask_resident_id(number: str) -> str:
    """370202199205140022 -> 370202********0022 (the area and the last four stay)."""
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_name(name: str) -> str:
    """李秀英 -> 李*英, 张伟 -> 张*."""
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_value(value: str) -> str:
    """Any personal value: an identifier or number keeps what its shape's mask keeps, a longer number
    its last four, a name its first and last character, any other text its first character."""
    if (shaped := mask_text(value)) != value:
        return shaped
    if len(value) >= 8 and value.isdigit():
        return "*" * (len(value) - 4) + value[-4:]
    return mask_name(value) if len(value) <= 4 else value[0] + "*" * (len(value) - 1)


def mask_text(text: str) -> str:
    """Every resident ID, mobile number and bank account number in the text, masked."""
    text = _RESIDENT_ID.sub(lambda m: f"{m.group(1)}********{m.group(2)}", text)
    text = _PHONE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)
    return _BANK_ACCOUNT.sub(lambda m: "*" * (len(m.group(0)) - 4) + m.group(1), text)


def mask_values(text: str, values: Iterable[str]) -> str:
    """The text with each of the known personal values masked (longest first, so a name inside an
    address is not half-masked), then every identifier, phone and account number it still holds."""
    for value in sorted({v for v in values if v and len(v) >= 2}, key=len, reverse=True):
        text = text.replace(value, mask_value(value))
    return mask_text(text)


class PersonalDataFilter(logging.Filter):
    """Masks resident IDs, phone and bank account numbers in a record's message and traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True


def install() -> None:
    """Call once a process has configured logging: every handler of the root logger masks personal
    data (child loggers' records reach it through them), and files the process creates are its
    user's alone (0600, directories 0700)."""
    os.umask(0o077)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, PersonalDataFilter) for f in handler.filters):
            handler.addFilter(PersonalDataFilter())
