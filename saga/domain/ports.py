"""What the coordinator needs from the outside world, as interfaces it owns."""
from __future__ import annotations

import abc

from saga.domain.model import Dispatch


class CommandBus(abc.ABC):
    """Delivers step commands to departments."""

    @abc.abstractmethod
    def send(self, dispatches: list[Dispatch]) -> None:
        """Deliver every command durably, or raise."""
