"""RabbitMQ topology shared by the coordinator (pika) and the departments (nameko/kombu).

Both sides declare the same exchanges and queues with the same arguments, so either
may start first. Names carry a prefix so a test run never touches a running suite.
"""
from __future__ import annotations

from dataclasses import dataclass

CONTENT_TYPE = "application/x-protobuf"
COMMAND_TYPE = "lifeevents.v1.StepCommand"
RESULT_TYPE = "lifeevents.v1.StepResult"
RESULT_ROUTING_KEY = "result"
# A message that keeps failing is dead-lettered after this many deliveries instead of looping.
DELIVERY_LIMIT = 5


@dataclass(frozen=True)
class Topology:
    prefix: str = "lifeevents"

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
    def results_queue(self) -> str:
        return f"{self.prefix}.coordinator.results"

    def command_queue(self, department: str) -> str:
        return f"{self.prefix}.{department}.commands"

    def queue_arguments(self) -> dict:
        # Quorum queues: replicated, durable, with a delivery limit that dead-letters poison.
        return {
            "x-queue-type": "quorum",
            "x-delivery-limit": DELIVERY_LIMIT,
            "x-dead-letter-exchange": self.dead_letter_exchange,
        }
