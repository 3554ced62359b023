"""Delivering notifications, once per id, through a port: the development adapter writes them to a
file per recipient (its name a hash of the resident ID, never the ID itself), one JSON object a line;
an SMS or e-mail gateway is one more `Delivery`. No broker here (consumer.py takes them off RabbitMQ).

Once per id: the notifier records each delivered id in its register (services/common: a SQLite file
in the data directory, or its schema in PostgreSQL, shared by its instances) in the transaction
around the delivery, and a repeat is skipped. A process killed between delivering and committing
delivers again when the message comes back; the file adapter finds the id in the recipient's file
and writes nothing twice, and a gateway adapter passes the id on as its client reference, which
gateways use to drop a repeat.
"""
from __future__ import annotations

import abc
import datetime as dt
import hashlib
import json
import os
from pathlib import Path
from typing import Callable

from google.protobuf import json_format

from lifeevents.privacy import mask_resident_id
from lifeevents.v1 import notifications_pb2
from services.common.domain import Register

DELIVERED = "delivered"  # the register's kind of record: one per delivered notification id


def recipient_key(recipient: str) -> str:
    """A recipient's name in the file store: a hash of the resident ID, so a listing shows no ID."""
    return hashlib.sha256(recipient.encode()).hexdigest()[:20]


class Delivery(abc.ABC):
    """The port: gets one notification to its recipient."""

    @abc.abstractmethod
    def deliver(self, notification: notifications_pb2.Notification) -> None:
        """Deliver it, or raise (the message comes back, and is tried again)."""


class FileDelivery(Delivery):
    """Development: `<directory>/<recipient key>.jsonl`, one notification a line (0600, the directory
    0700), so tests and demos can read what a person was told."""

    def __init__(self, directory: Path):
        self.directory = directory

    def path_of(self, recipient: str) -> Path:
        return self.directory / f"{recipient_key(recipient)}.jsonl"

    def read(self, recipient: str) -> list[dict]:
        path = self.path_of(recipient)
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]

    def deliver(self, notification: notifications_pb2.Notification) -> None:
        if any(entry["notification_id"] == notification.notification_id for entry in self.read(notification.recipient)):
            return  # written before a crash kept it from being recorded
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        entry = json_format.MessageToDict(notification, preserving_proto_field_name=True)
        entry["recipient"] = mask_resident_id(notification.recipient)
        descriptor = os.open(self.path_of(notification.recipient), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(descriptor, "a", encoding="utf-8") as file:
            file.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
            file.flush()
            os.fsync(file.fileno())


class Notifier:
    """Delivers each notification id once."""

    def __init__(self, delivery: Delivery, register: Register,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc)):
        self.delivery, self.register, self.clock = delivery, register, clock

    def handle(self, notification: notifications_pb2.Notification) -> bool:
        """Deliver it unless it was delivered before; whether it was delivered now."""
        if not notification.notification_id or not notification.recipient:
            raise ValueError("a notification names its id and its recipient")
        with self.register.transaction():
            if self.register.get(DELIVERED, notification.notification_id) is not None:
                return False
            self.delivery.deliver(notification)
            self.register.insert(DELIVERED, notification.notification_id, {
                "kind": notifications_pb2.Notification.Kind.Name(notification.kind),
                "application_id": notification.application_id, "delivered_at": self.clock().isoformat()})
        return True
