"""Text that comes from outside, shared by the coordinator and the departments: how an error quotes
a bad value (briefly), which characters a text value may not hold, and what counts as a number.

Identifiers, phone numbers, codes and numbers are ASCII only: Python's `\\d`, `str.isdigit` and
`int()` also take full-width (１２３) and Devanagari (१२३) digits, which would pass a check digit and
then miss every register lookup.
"""
from __future__ import annotations

import re
import reprlib
import unicodedata
from decimal import Decimal, InvalidOperation

QUOTE_LIMIT = 40
# Control characters (Cc) and format characters (Cf: zero width, bidi overrides, ...).
FORBIDDEN_CATEGORIES = ("Cc", "Cf")
ASCII_DIGITS = re.compile(r"[0-9]+", re.ASCII)
_SHORT_REPR = reprlib.Repr()  # keyword arguments only from Python 3.12
_SHORT_REPR.maxlevel = 2
_SHORT_REPR.maxdict = _SHORT_REPR.maxlist = _SHORT_REPR.maxtuple = _SHORT_REPR.maxset = 3
_SHORT_REPR.maxstring = _SHORT_REPR.maxlong = _SHORT_REPR.maxother = QUOTE_LIMIT
ASCII_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]+)?", re.ASCII)


def quote(value: object, limit: int = QUOTE_LIMIT) -> str:
    """A value as an error may echo it: its repr cut to `limit` characters, with "…" when cut; control
    and format characters show escaped. The one way errors quote what they were given."""
    if isinstance(value, str):
        shown = repr(value[:limit])
        return f"{shown}…" if len(value) > limit else shown
    shown = _SHORT_REPR.repr(value)  # bounded however large or deep the value is
    return shown if len(shown) <= limit else shown[:limit] + "…"


def summarise(names: list[str], shown: int = 3) -> str:
    """"300 unknown fields, e.g. 'a', 'b', 'c'" style: a count and the first few names, quoted."""
    return ", ".join(quote(name) for name in names[:shown]) + (", …" if len(names) > shown else "")


def forbidden_character(value: str) -> str | None:
    """Why a text value is refused (its first control or format character), or None if it is fine."""
    for position, character in enumerate(value):
        if unicodedata.category(character) in FORBIDDEN_CATEGORIES:
            return (f"holds a control or format character (U+{ord(character):04X}, "
                    f"{unicodedata.name(character, 'unnamed')}) at position {position + 1}")
    return None


def check_text(value: str, max_length: int) -> str:
    """A one-line text value: at most `max_length` characters, no control or format character.
    Raises ValueError saying what is wrong."""
    if len(value) > max_length:
        raise ValueError(f"at most {max_length} characters (this has {len(value)})")
    if (problem := forbidden_character(value)) is not None:
        raise ValueError(problem)
    return value


def ascii_whole_number(value: str) -> int:
    """A whole number written in ASCII digits only (no sign, no underscores, no other scripts)."""
    if not ASCII_DIGITS.fullmatch(value):
        raise ValueError(f"{quote(value)} is not a whole number written with the digits 0-9")
    return int(value)


def ascii_decimal(value: str) -> Decimal:
    """A non-negative decimal written in ASCII digits (12 or 12.5): never inf, nan, 1e9 or １２."""
    if not ASCII_DECIMAL.fullmatch(value):
        raise ValueError(f"{quote(value)} is not a number written with the digits 0-9 (and a decimal point)")
    try:
        return Decimal(value)
    except InvalidOperation:  # pragma: no cover - the pattern admits only what Decimal reads
        raise ValueError(f"{quote(value)} is not a number") from None


def canonical_decimal(number: Decimal) -> str:
    """12, 12.5 (not 12.0, 12.50): equal numbers are equal strings."""
    if number == number.to_integral_value():
        return str(int(number))
    return format(number.normalize(), "f")
