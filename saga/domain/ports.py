"""What the coordinator needs from the outside world, as interfaces it owns."""
from __future__ import annotations

import abc
from typing import Mapping

from saga.domain.forms import LookupUnavailable
from saga.domain.model import Dispatch


class CommandBus(abc.ABC):
    """Delivers step commands to departments."""

    @abc.abstractmethod
    def send(self, dispatches: list[Dispatch]) -> None:
        """Deliver every command durably, or raise."""


class RegisterLookups(abc.ABC):
    """Asks departments what their registers already hold (materials reuse)."""

    @abc.abstractmethod
    def find(self, department: str, query: str, key: str) -> Mapping[str, str] | None:
        """The values held for `key`, None when nothing is held; LookupUnavailable when it cannot ask."""

    def __call__(self, department: str, query: str, key: str) -> Mapping[str, str] | None:
        return self.find(department, query, key)


class NoRegisters(RegisterLookups):
    """For a coordinator wired without department registers: every lookup is unavailable."""

    def find(self, department, query, key):
        raise LookupUnavailable(department)
