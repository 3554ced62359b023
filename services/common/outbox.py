"""A department's outbox of events (proactive service): what happened in its register, to be published
as a lifeevents.v1.DepartmentEvent on the events exchange.

An event is recorded in the register's transaction together with the record it reports (a birth, a
retirement date reached), never published from there: the department's event relay
(services/common/events.py) publishes what is pending and then marks it sent. A crash before the
commit loses both; after it, the relay finds the event pending; between publishing and marking, it
publishes the event again, with the same id, which consumers take once. An event's id follows from
what it reports (department, type, key), so reporting the same fact twice is one event.

No nameko here: the domain records events, the nameko layer publishes them.
"""
from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any, Callable, Mapping

from google.protobuf import json_format

from lifeevents.v1 import events_pb2

log = logging.getLogger(__name__)
KIND = "outbox"
# publish(message, routing_key): returns once the broker confirmed it, raises otherwise.
Publish = Callable[[events_pb2.DepartmentEvent, str], None]
_NAMESPACE = uuid.UUID("0b8d6f3e-7c1a-4e55-a0f9-3d2c5e6f7a81")


def event_id(department: str, event_type: str, key: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{department}/{event_type}/{key}"))


class Outbox:
    def __init__(self, register, department: str):
        self.register, self.department = register, department

    def record(self, event_type: str, key: str, payload: Mapping[str, Any], occurred_at: dt.datetime) -> tuple[str, bool]:
        """Record an event (call inside the transaction of what it reports): its id, and whether it is
        new (False: this fact was reported already)."""
        identifier = event_id(self.department, event_type, key)
        if self.register.get(KIND, identifier) is not None:
            return identifier, False
        self.register.insert(KIND, identifier, {
            "event_id": identifier, "type": event_type, "department": self.department,
            "occurred_at": occurred_at.astimezone(dt.timezone.utc).isoformat(), "payload": dict(payload),
            "sent": False})
        return identifier, True

    def pending(self, limit: int = 100) -> list[dict]:
        """Events not yet published, oldest first."""
        return sorted(self.register.find(KIND, sent=False), key=lambda e: (e["occurred_at"], e["event_id"]))[:limit]

    def mark_sent(self, identifier: str, at: dt.datetime) -> None:
        with self.register.transaction():
            event = self.register.get(KIND, identifier)
            if event is not None and not event["sent"]:
                self.register.put(KIND, identifier, {**event, "sent": True, "sent_at": at.isoformat()})

    def get(self, identifier: str) -> dict | None:
        return self.register.get(KIND, identifier)

    def publish_pending(self, publish: Publish, held: Callable[[str], bool] = lambda event_type: False,
                        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc)) -> list[str]:
        """Publish every pending event, oldest first, each marked sent once its publishing returned; stop
        at one that is held (a fault rule) or that fails (raised: it and the rest stay pending). The
        events' ids, as published."""
        published = []
        for event in self.pending():
            if held(event["type"]):
                log.warning("%s's event relay held by a fault rule", self.department)
                break
            publish(event_message(event), f"{self.department}.{event['type']}")
            self.mark_sent(event["event_id"], clock())
            published.append(event["event_id"])
        return published


def event_message(event: Mapping[str, Any]) -> events_pb2.DepartmentEvent:
    """A recorded event as the protobuf message it is published as (its payload: the message of its type)."""
    message = events_pb2.DepartmentEvent(event_id=event["event_id"], type=event["type"], department=event["department"])
    message.occurred_at.FromDatetime(dt.datetime.fromisoformat(event["occurred_at"]))
    json_format.ParseDict(event["payload"], getattr(message, event["type"]))
    return message
