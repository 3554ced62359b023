"""RabbitMQ topology shared by the coordinator (pika) and the departments (nameko/kombu).

Both sides declare the same exchanges and queues with the same arguments, so either
may start first. Names carry a prefix so a test run never touches a running suite.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass

CONTENT_TYPE = "application/x-protobuf"
COMMAND_TYPE = "lifeevents.v1.StepCommand"
RESULT_TYPE = "lifeevents.v1.StepResult"
# A department's word that a command waits for an officer (back-office review): on the results exchange too.
PROGRESS_TYPE = "lifeevents.v1.StepProgress"
RESULT_ROUTING_KEY = "result"  # what a result carries when its command names no reply_to (not routed)
# A dead letter forwarded by the coordinator to the partition of its application (see DeadLetterWatcher).
DEAD_LETTER_TYPE = "lifeevents.v1.DeadLetter"
EVENT_TYPE = "lifeevents.v1.DepartmentEvent"  # what departments publish to the events exchange
NOTIFICATION_TYPE = "lifeevents.v1.Notification"
ORIGINAL_TYPE_HEADER = "x-original-type"
# Applications are spread over this many partitions (results queues), each consumed by one coordinator
# at a time; every instance of a suite must say the same (the queues are declared from it).
DEFAULT_PARTITIONS = 16
# A message that keeps failing is dead-lettered after this many deliveries instead of looping.
DELIVERY_LIMIT = 5


@dataclass(frozen=True)
class Topology:
    prefix: str = "lifeevents"
    partitions: int = DEFAULT_PARTITIONS

    @property
    def commands_exchange(self) -> str:
        return f"{self.prefix}.commands"

    @property
    def results_exchange(self) -> str:
        return f"{self.prefix}.results"

    @property
    def dead_letter_exchange(self) -> str:
        return f"{self.prefix}.dead-letters"

    @property
    def dead_letter_queue(self) -> str:
        return f"{self.prefix}.dead-letters"

    @property
    def dead_letter_watch_queue(self) -> str:
        # A second queue on the fanout dead-letter exchange: the coordinator flags each dead
        # letter's step from it, while the dead-letter queue itself keeps them for operators.
        return f"{self.prefix}.coordinator.dead-letters"

    # -- proactive service: departments' events and citizens' notifications ----------------------
    @property
    def events_exchange(self) -> str:
        """Topic exchange: a department's event under `<department>.<type>` (health.birth_recorded)."""
        return f"{self.prefix}.events"

    @property
    def coordinator_events_queue(self) -> str:
        return f"{self.prefix}.coordinator.events"

    @property
    def notifications_exchange(self) -> str:
        """Topic exchange: a notification under its kind (offer_made, completed, ...)."""
        return f"{self.prefix}.notifications"

    @property
    def notifier_queue(self) -> str:
        return f"{self.prefix}.notifier.notifications"

    # -- partitions: one writer per application ------------------------------------------------
    def partition_of(self, application_id) -> int:
        """The partition of an application: its UUID (as a number) modulo the partitions."""
        return uuid.UUID(str(application_id)).int % self.partitions

    def partition_key(self, partition: int) -> str:
        """The routing key of a partition's results queue: a command carries it as its reply_to."""
        return f"p{partition:02d}"

    def reply_to(self, application_id) -> str:
        return self.partition_key(self.partition_of(application_id))

    def results_queue(self, partition: int) -> str:
        return f"{self.prefix}.coordinator.results.{partition:02d}"

    @property
    def results_queues(self) -> list[str]:
        return [self.results_queue(p) for p in range(self.partitions)]

    def command_queue(self, department: str) -> str:
        return f"{self.prefix}.{department}.commands"

    def queue_arguments(self) -> dict:
        # Quorum queues: replicated, durable, with a delivery limit that dead-letters poison.
        return {
            "x-queue-type": "quorum",
            "x-delivery-limit": DELIVERY_LIMIT,
            "x-dead-letter-exchange": self.dead_letter_exchange,
        }

    def results_queue_arguments(self) -> dict:
        # One consumer at a time takes a partition's results, whoever else is subscribed: the
        # broker's guard behind the coordinators' partition leases.
        return {**self.queue_arguments(), "x-single-active-consumer": True}


# -- faults and dead letters (the same rules on both sides) ----------------------------------
def delivery_number(headers: dict | None) -> int:
    """Which delivery of a message this is: 1 the first time; quorum queues count the returns."""
    return int((headers or {}).get("x-delivery-count") or 0) + 1


def retry_pause(delivery: int) -> float:
    """Seconds to pause before returning a message that faulted: doubling from 0.1 s, at most 2 s."""
    return min(0.1 * 2 ** (delivery - 1), 2.0)


def gives_up(delivery: int) -> bool:
    """True when a fault on this delivery must dead-letter the message rather than return it."""
    return delivery > DELIVERY_LIMIT


def dead_letter_headers(headers: dict | None, error: BaseException | str, consumer: str, delivery: int,
                        at: str) -> dict:
    """The message's headers plus the error that made a consumer give it up."""
    kept = {k: v for k, v in (headers or {}).items() if k != "x-delivery-count"}
    error_type = type(error).__name__ if isinstance(error, BaseException) else "Error"
    return {**kept, "x-error": str(error)[:2000], "x-error-type": error_type, "x-consumer": consumer,
            "x-deliveries": delivery, "x-dead-lettered-at": at}
