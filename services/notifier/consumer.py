"""The notifier's way in: plain pika (no nameko: it serves no RPC and needs no eventlet; one consumer
thread with manual acks, as the coordinator's consumers are) on `<prefix>.notifier.notifications`.
Each message is acked once delivered (or found delivered before); a notification that does not
decode is dead-lettered at once; one that cannot be delivered now goes back to the queue after a
pause, and is dead-lettered with its error after the delivery limit. A lost broker is reconnected to
(the next node of a cluster, if several are given)."""
from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import time

import pika
from google.protobuf.message import DecodeError
from pika.exceptions import AMQPError
from prometheus_client import Counter

from lifeevents.messaging import dead_letter_headers, delivery_number, gives_up, retry_pause
from lifeevents.v1 import notifications_pb2
from services.notifier.delivery import Notifier
from services.notifier.settings import NAME, Settings

log = logging.getLogger(__name__)
DELIVERED = Counter("lifeevents_notifications_delivered_total", "Notifications delivered, by kind", ["kind"])
REPEATED = Counter("lifeevents_notifications_repeated_total", "Notifications that came again, delivered before")
DEAD_LETTERS = Counter("lifeevents_notifier_dead_letters_total", "Notifications the notifier gave up on")


def declare(channel, settings: Settings) -> None:
    """The notifications exchange and the notifier's queue, as the coordinator declares them."""
    topology = settings.topology
    channel.exchange_declare(topology.notifications_exchange, "topic", durable=True)
    channel.exchange_declare(topology.dead_letter_exchange, "fanout", durable=True)
    channel.queue_declare(topology.notifier_queue, durable=True, arguments=topology.queue_arguments())
    channel.queue_bind(topology.notifier_queue, topology.notifications_exchange, "#")


class NotificationConsumer(threading.Thread):
    def __init__(self, settings: Settings, notifier: Notifier, prefetch: int = 16):
        super().__init__(name="notifications", daemon=True)
        self.settings, self.notifier, self.prefetch = settings, notifier, prefetch
        self.parameters = [pika.URLParameters(uri) for uri in random.sample(settings.amqp_uris, len(settings.amqp_uris))]
        self._stopping = threading.Event()
        self._connection: pika.BlockingConnection | None = None
        self.ready = threading.Event()

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                self._connection = pika.BlockingConnection(self.parameters)
                channel = self._connection.channel()
                channel.confirm_delivery()
                declare(channel, self.settings)
                channel.basic_qos(prefetch_count=self.prefetch)
                channel.basic_consume(self.settings.topology.notifier_queue, self.on_message)
                self.ready.set()
                log.info("consuming %s", self.settings.topology.notifier_queue)
                while not self._stopping.is_set():
                    self._connection.process_data_events(time_limit=0.5)
                self._connection.close()
            except AMQPError as err:
                if self._stopping.is_set():
                    break
                log.warning("lost RabbitMQ (%s); reconnecting", err)
                time.sleep(1)
        log.info("stopped")

    def stop(self) -> None:
        """After the message under way: the loop looks at this between messages."""
        self._stopping.set()

    def on_message(self, channel, method, properties, body: bytes) -> None:
        delivery = delivery_number(properties.headers)
        try:
            notification = notifications_pb2.Notification.FromString(body)
            if not notification.notification_id or not notification.recipient:
                raise DecodeError("no notification_id or recipient")
        except DecodeError as err:
            self.dead_letter(channel, method, properties, body, f"undecodable Notification: {err}", delivery)
            return
        try:
            delivered = self.notifier.handle(notification)
        except Exception as err:  # the port failed: returned, then dead-lettered after the delivery limit
            log.warning("notification %s not delivered yet: %s", notification.notification_id, err)
            if gives_up(delivery):
                self.dead_letter(channel, method, properties, body, err, delivery)
            else:
                time.sleep(retry_pause(delivery))
                channel.basic_nack(method.delivery_tag, requeue=True)
            return
        kind = notifications_pb2.Notification.Kind.Name(notification.kind)
        if delivered:
            DELIVERED.labels(kind).inc()
            log.info("notification %s (%s) delivered", notification.notification_id, kind)
        else:
            REPEATED.inc()
        channel.basic_ack(method.delivery_tag)

    def dead_letter(self, channel, method, properties, body: bytes, error, delivery: int) -> None:
        headers = dead_letter_headers(properties.headers, error, NAME, delivery, dt.datetime.now(dt.timezone.utc).isoformat())
        channel.basic_publish(self.settings.topology.dead_letter_exchange, method.routing_key, body,
                              pika.BasicProperties(content_type=properties.content_type, type=properties.type,
                                                   message_id=properties.message_id, headers=headers,
                                                   delivery_mode=pika.DeliveryMode.Persistent))
        channel.basic_ack(method.delivery_tag)
        DEAD_LETTERS.inc()
        log.error("notification %s dead-lettered after %d deliveries: %s", properties.message_id, delivery, error)
