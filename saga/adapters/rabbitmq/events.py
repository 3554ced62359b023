"""The consumer of departments' events (proactive service): `<prefix>.coordinator.events`, bound to
the events the bundles' triggers name, hands each DepartmentEvent to the use case that offers the
bundles it triggers (`Coordinator.offer`), and acks it once the offers are stored. A redelivered event
offers nothing again (the offer's id follows from the event's). An event that does not decode or does
not fit the catalogue is dead-lettered at once; one that cannot be offered now (a register that does
not answer) is returned after a pause, and dead-lettered after the delivery limit."""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Callable, Iterable

from google.protobuf.message import DecodeError

from lifeevents.messaging import Topology, delivery_number
from lifeevents.v1 import events_pb2
from saga.adapters.rabbitmq.consumers import QueueConsumer
from saga.adapters.rabbitmq.topology import declare_events
from saga.domain.catalogue import Catalogue
from saga.domain.ports import DepartmentEvent

log = logging.getLogger(__name__)
MAX_ID, MAX_VALUE = 128, 2000


class MalformedEvent(ValueError):
    """A DepartmentEvent that does not fit the catalogue: no retry makes it fit."""


def event_of(message: events_pb2.DepartmentEvent, catalogue: Catalogue) -> DepartmentEvent:
    """The event as the coordinator offers on it: its payload's fields as text, checked against the
    event the catalogue declares."""
    kind = message.WhichOneof("payload")
    spec = catalogue.event(f"{message.department}.{message.type}")
    if spec is None or kind != message.type:
        raise MalformedEvent(f"no event {message.department[:64]}.{message.type[:64]} with that payload in the catalogue")
    if not message.event_id or len(message.event_id) > MAX_ID:
        raise MalformedEvent(f"an event id has 1 to {MAX_ID} characters")
    payload = {field.name: str(value) for field, value in getattr(message, kind).ListFields()}
    if unknown := set(payload) - set(spec.payload):
        raise MalformedEvent(f"{spec.key} has no payload field(s) {', '.join(sorted(unknown))}")
    if any(len(value) > MAX_VALUE for value in payload.values()):
        raise MalformedEvent(f"a payload value of {spec.key} is longer than {MAX_VALUE} characters")
    try:
        occurred_at = message.occurred_at.ToDatetime(dt.timezone.utc)
    except (ValueError, OverflowError):
        raise MalformedEvent("occurred_at is not a moment between the years 1 and 9999") from None
    return DepartmentEvent(message.event_id, message.department, message.type, occurred_at, payload)


class EventConsumer(QueueConsumer):
    def __init__(self, amqp_uri: str, topology: Topology, departments: Iterable[str], event_keys: Iterable[str],
                 offer: Callable[[DepartmentEvent], Any], catalogue: Catalogue):
        super().__init__(amqp_uri, topology, departments, prefetch=8)
        self._event_keys, self._offer, self._catalogue = sorted(set(event_keys)), offer, catalogue

    def queue(self) -> str:
        return self._topology.coordinator_events_queue

    def subscribe(self, channel) -> None:
        declare_events(channel, self._topology, self._event_keys)
        super().subscribe(channel)

    def on_message(self, channel, method, properties, body: bytes) -> None:
        delivery = delivery_number(properties.headers)
        try:
            event = event_of(events_pb2.DepartmentEvent.FromString(body), self._catalogue)
        except (DecodeError, MalformedEvent) as err:
            self.dead_letter(channel, method, properties, body, f"malformed DepartmentEvent: {err}", delivery)
            return
        try:
            self._offer(event)
        except Exception as err:  # a register that does not answer, the store
            log.warning("event %s (%s) not offered yet: %s", event.event_id, event.key, err)
            self.returned(channel, method, properties, body, err, delivery)
            return
        channel.basic_ack(method.delivery_tag)
