"""Notifications leave through the outbox too: a relay follows the event log from its own tracked
position ("notifications" in the projections' tracking table), asks each event it decodes which
notice it is (saga/domain/notices.py: a handler per event class), writes the notice in each
recipient's language (their preference, Chinese by default) and publishes one
lifeevents.v1.Notification per recipient with confirms to `<prefix>.notifications`, then advances its
position. A crash before publishing is caught up from the position; one after publishing and before
the position publishes the same notification ids again, which the notifier delivers once. It runs
while this instance holds the relay lease, as the command relay does."""
from __future__ import annotations

import logging
import threading
import uuid
from typing import Callable

import pika
from eventsourcing.persistence import Tracking

from lifeevents.messaging import NOTIFICATION_TYPE, CONTENT_TYPE
from lifeevents.v1 import notifications_pb2
from saga.adapters.rabbitmq.publisher import RabbitCommandBus
from saga.adapters.relay import CommandRelay
from saga.domain.application import Application
from saga.domain.bundle import Bundle
from saga.domain.catalogue import Catalogue
from saga.domain.errors import UnknownBundle
from saga.domain.notices import Notice, moment_events, notices_of, shared, written
from saga.domain.ports import CommandBus

log = logging.getLogger(__name__)


def notification_message(found: Notice, recipient: str, language: str, bundle: Bundle | None,
                         catalogue: Catalogue) -> notifications_pb2.Notification:
    title, body = written(found, bundle, catalogue, language)
    message = notifications_pb2.Notification(
        notification_id=found.notification_id(recipient), recipient=recipient,
        kind=notifications_pb2.Notification.Kind.Value(found.kind), application_id=found.application_id,
        bundle=found.bundle, language=language, title=title, body=body, details=shared(found, bundle, catalogue))
    message.occurred_at.FromDatetime(found.occurred_at)
    return message


class NotificationRelay(CommandRelay):
    name_of_position = "notifications"
    follower = "notifications"

    def __init__(self, recorder, mapper, bus: CommandBus, positions, application_of: Callable[[uuid.UUID], Application],
                 bundle_of: Callable[[str], Bundle], language_of: Callable[[str], str], catalogue: Catalogue, **kwargs):
        self.event_classes = tuple(moment_events())
        super().__init__(recorder, mapper, bus, positions, **kwargs)
        self.application_of, self.bundle_of, self.language_of = application_of, bundle_of, language_of
        self.catalogue = catalogue

    def send(self, events: list) -> None:
        messages = []
        for event in events:
            application = self.application_of(event.originator_id)
            for found in notices_of(event, application):
                try:
                    bundle = self.bundle_of(found.bundle)
                except UnknownBundle:
                    bundle = None
                messages += [notification_message(found, recipient, self.language_of(recipient), bundle,
                                                  self.catalogue) for recipient in found.recipients]
        self.bus.send(messages)

    def sent(self, events: list) -> None:
        pass


def start_at_the_head(positions, recorder) -> None:
    """A store that has run without notifications (relayed commands, but no notifications position)
    starts them at the log's head: moments already past are not told now."""
    if positions.position(NotificationRelay.name_of_position) or not positions.position(CommandRelay.name_of_position):
        return
    if head := recorder.max_notification_id():
        positions.advance(Tracking(NotificationRelay.name_of_position, head))
        log.info("notifications start at the log's head (%d): earlier moments are not told", head)


class RabbitNotificationBus(RabbitCommandBus):
    """Publishes Notifications to `<prefix>.notifications`, routed by kind (offer_made, completed, ...),
    persistent, mandatory, with confirms, over the command bus's kind of connection."""

    def _publish(self, notification: notifications_pb2.Notification) -> None:
        kind = notifications_pb2.Notification.Kind.Name(notification.kind).lower()
        self._channel.basic_publish(
            self._topology.notifications_exchange, kind, notification.SerializeToString(),
            pika.BasicProperties(content_type=CONTENT_TYPE, type=NOTIFICATION_TYPE,
                                 message_id=notification.notification_id, delivery_mode=pika.DeliveryMode.Persistent),
            mandatory=True)


class KeptNotifications(CommandBus):
    """Keeps what it is asked to send (a coordinator wired without a broker: unit tests)."""

    def __init__(self):
        self.sent: list[notifications_pb2.Notification] = []
        self._lock = threading.Lock()

    def send(self, notifications):
        with self._lock:
            self.sent.extend(notifications)
