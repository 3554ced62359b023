"""Exchanges and queues, declared by whoever connects first; the departments declare the same."""
from __future__ import annotations

from typing import Iterable

from lifeevents.messaging import DELIVERY_LIMIT, Topology


def declare_topology(channel, topology: Topology, departments: Iterable[str]) -> None:
    """Declare exchanges and queues; safe to repeat.

    Commands go to `<prefix>.commands` (direct, by department) into each department's quorum queue;
    results come back through `<prefix>.results` (direct, by the partition key each command carries
    as its reply_to) into the partition's results queue, consumed by one coordinator at a time; dead
    letters fan out to the operators' dead-letter queue and the coordinator's dead-letter watch queue."""
    channel.exchange_declare(topology.commands_exchange, "direct", durable=True)
    channel.exchange_declare(topology.results_exchange, "direct", durable=True)
    channel.exchange_declare(topology.dead_letter_exchange, "fanout", durable=True)
    channel.queue_declare(topology.dead_letter_queue, durable=True, arguments={"x-queue-type": "quorum"})
    channel.queue_bind(topology.dead_letter_queue, topology.dead_letter_exchange)
    # Flagging a dead letter's step is retried a few times, then dropped: the dead letter itself
    # stays in the dead-letter queue.
    channel.queue_declare(topology.dead_letter_watch_queue, durable=True,
                          arguments={"x-queue-type": "quorum", "x-delivery-limit": DELIVERY_LIMIT})
    channel.queue_bind(topology.dead_letter_watch_queue, topology.dead_letter_exchange)
    for partition in range(topology.partitions):
        queue = topology.results_queue(partition)
        channel.queue_declare(queue, durable=True, arguments=topology.results_queue_arguments())
        channel.queue_bind(queue, topology.results_exchange, topology.partition_key(partition))
    for department in departments:
        queue = topology.command_queue(department)
        channel.queue_declare(queue, durable=True, arguments=topology.queue_arguments())
        channel.queue_bind(queue, topology.commands_exchange, department)
    # Proactive service: departments publish their events to a topic exchange; the coordinator's queue
    # is bound to the events bundles name (declare_events). The notifier's queue takes every
    # notification, declared here too so that none is lost before the notifier first starts.
    channel.exchange_declare(topology.events_exchange, "topic", durable=True)
    channel.queue_declare(topology.coordinator_events_queue, durable=True, arguments=topology.queue_arguments())
    channel.exchange_declare(topology.notifications_exchange, "topic", durable=True)
    channel.queue_declare(topology.notifier_queue, durable=True, arguments=topology.queue_arguments())
    channel.queue_bind(topology.notifier_queue, topology.notifications_exchange, "#")


def declare_events(channel, topology: Topology, event_keys: Iterable[str]) -> None:
    """Bind the coordinator's events queue to each department event a bundle's trigger names
    (`<department>.<event>`); a department's event nobody offers on is routed nowhere."""
    for key in sorted(set(event_keys)):
        channel.queue_bind(topology.coordinator_events_queue, topology.events_exchange, key)
