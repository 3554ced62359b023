"""Delegation (帮办代办): a citizen lets an agent of a service centre act for them on one bundle until
a moment. One aggregate per (principal, agent, bundle): granted, renewed (granted again, after a
revocation or for longer), revoked. The agent may submit and follow that bundle's applications for
the principal while it holds."""
from __future__ import annotations

import datetime as dt
import uuid

from eventsourcing.domain import Aggregate, event

_NAMESPACE = uuid.UUID("0e7c8b0e-3b8f-4a53-9f5e-6d1b2c4a9e01")


class Delegation(Aggregate):
    @staticmethod
    def id_for(principal: str, agent: str, bundle: str) -> uuid.UUID:
        return uuid.uuid5(_NAMESPACE, f"delegation/{principal}/{agent}/{bundle}")

    @classmethod
    def grant(cls, principal: str, agent: str, bundle: str, until: dt.datetime, now: dt.datetime) -> Delegation:
        return cls(id=cls.id_for(principal, agent, bundle), principal=principal, agent=agent, bundle=bundle,
                   until=until, at=now)

    def renew(self, until: dt.datetime, now: dt.datetime) -> None:
        """Granted again: until the new moment, revoked no longer."""
        self._renew(until, now)

    def revoke(self, now: dt.datetime) -> bool:
        """False if it was already revoked (nothing is recorded)."""
        if self.revoked_at is not None:
            return False
        self._revoke(now)
        return True

    def holds(self, now: dt.datetime) -> bool:
        return self.revoked_at is None and now < self.until

    @event("Granted")
    def __init__(self, id: uuid.UUID, principal: str, agent: str, bundle: str, until: dt.datetime,  # noqa: A002
                 at: dt.datetime):
        self.principal, self.agent, self.bundle = principal, agent, bundle
        self.until, self.granted_at, self.revoked_at = until, at, None

    @event("Renewed")
    def _renew(self, until: dt.datetime, at: dt.datetime) -> None:
        self.until, self.granted_at, self.revoked_at = until, at, None

    @event("Revoked")
    def _revoke(self, at: dt.datetime) -> None:
        self.revoked_at = at
