"""The shapes of a bundle definition's items, for the parser and the modules it calls: a mapping of
lower-case names, an item's entry, a list of names, a flag, a duration (30m, 4h, 2d). Each adds
what is wrong to `problems` (quoting at most a short prefix of a bad value) and returns something
usable, so that every problem of a definition is named at once.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any, Mapping

from lifeevents.text import quote

_DURATION = re.compile(r"\s*([0-9]{1,9}(?:\.[0-9]{1,6})?)\s*([smhd])\s*", re.ASCII)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# The longest time a step, a wait or a bundle may declare: ten years.
MAX_DURATION = dt.timedelta(days=3650)
NAME = re.compile(r"[a-z][a-z0-9_]{0,63}", re.ASCII)
MAX_FIELDS = MAX_STEPS = 64


def parse_duration(value: Any) -> dt.timedelta:
    """30m, 4h, 2d: at most MAX_DURATION. Raises ValueError saying what is wrong."""
    match = _DURATION.fullmatch(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"{quote(value)} is not a duration like 30m, 4h or 2d")
    seconds = Decimal(match.group(1)) * _UNITS[match.group(2)]
    if seconds > Decimal(MAX_DURATION.total_seconds()):
        raise ValueError(f"{quote(value)} is longer than {MAX_DURATION.days}d")
    return dt.timedelta(seconds=float(seconds))


def duration(value: Any, where: str, problems: list[str]) -> dt.timedelta:
    """parse_duration, a problem (and 0s) where it is not one."""
    try:
        return parse_duration(value)
    except ValueError as err:
        problems.append(f"{where}: {err}")
        return dt.timedelta(0)


def mapping(value: Any, where: str, most: int, problems: list[str]) -> dict[str, Any]:
    """A mapping of names (lower-case identifiers) to items; anything else is a problem."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        problems.append(f"{where}: a mapping of names to items, not {kind_of(value)}")
        return {}
    if len(value) > most:
        problems.append(f"{where}: at most {most} items, not {len(value)}")
        return {}
    items = {}
    for name, item in value.items():
        if not isinstance(name, str) or not NAME.fullmatch(name):
            problems.append(f"{where}: {quote(name)} is not a lower-case identifier")
        else:
            items[name] = item
    return items


def entry(value: Any, where: str, problems: list[str]) -> Mapping[str, Any]:
    """One item's definition: a mapping (empty if left empty)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        problems.append(f"{where}: a mapping, not {kind_of(value)}")
        return {}
    return value


def names(value: Any, where: str, problems: list[str]) -> tuple[str, ...]:
    """A list of names (`after: [a, b]`)."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(f"{where}: a list of names, not {kind_of(value)}")
        return ()
    return tuple(value)


def flag(value: Any, where: str, problems: list[str]) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        problems.append(f"{where}: true or false, not {quote(value)}")
        return False
    return value


def kind_of(value: Any) -> str:
    return {list: "a list", dict: "a mapping", str: f"the text {quote(value)}"}.get(type(value), quote(value))
