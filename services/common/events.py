"""A department's event relay (proactive service): publishes what its outbox holds
(services/common/outbox.py) as lifeevents.v1.DepartmentEvent messages to the topic exchange
`<prefix>.events`, routing key `<department>.<type>`, persistent, mandatory and with publisher
confirms, and only then marks each one sent. An event no queue takes (no coordinator has bound its
queue yet) is not marked, and goes with a later round.

It runs as a managed green thread of the department's nameko service, woken by an entrypoint that
has recorded an event (`self.events.wake()`) and every `idle_s` otherwise. Several instances of a
department may publish the same pending event at the same moment: consumers take an event id once.
A fault rule may hold it (services/common/faults.py), so that a test can kill the process while an
event is recorded and not yet published.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path

from kombu import Exchange
from nameko import config
from nameko.amqp.publish import Publisher, UndeliverableMessage
from nameko.extensions import DependencyProvider

from lifeevents.messaging import EVENT_TYPE
from services.common import metrics, settings
from services.common.faults import FaultRules
from services.common.messaging import PROTOBUF, topology
from services.common.providers import DepartmentRegister

log = logging.getLogger(__name__)


class EventRelay(DependencyProvider):
    def __init__(self, idle_s: float = 0.5, retry_s: float = 2.0):
        self.idle_s, self.retry_s = idle_s, retry_s
        self._wake = threading.Event()
        self._finished = threading.Event()
        self._running = False
        self.publisher: Publisher | None = None
        self.faults: FaultRules | None = None

    def setup(self):
        exchange = Exchange(topology().events_exchange, type="topic", durable=True)
        self.publisher = Publisher(config["AMQP_URI"], use_confirms=True, serializer=PROTOBUF, mandatory=True,
                                   delivery_mode=2, exchange=exchange, declare=[exchange])
        path = config.get(settings.FAULTS_FILE)
        self.faults = FaultRules(Path(path)) if path else None
        self._register().before_close.append(self.stop)  # the round under way ends before the register closes

    def start(self):
        self._running = True
        self._finished.clear()
        self.container.spawn_managed_thread(self._run, identifier="event-relay")

    def stop(self):
        """After the round under way (what it published is marked sent)."""
        if self._running:
            self._running = False
            self._wake.set()
            self._finished.wait(10)

    def kill(self):
        self._running = False
        self._wake.set()

    def get_dependency(self, worker_ctx):
        return self

    def wake(self) -> None:
        """An event was recorded: publish it now rather than at the next round."""
        self._wake.set()

    def _register(self) -> DepartmentRegister:
        [register] = [d for d in self.container.dependencies if isinstance(d, DepartmentRegister)]
        return register

    @property
    def department(self):
        return self._register().department

    def _run(self) -> None:
        try:
            self._relay_until_stopped()
        finally:
            self._finished.set()

    def _relay_until_stopped(self) -> None:
        unroutable = False
        while self._running:
            self._wake.wait(self.idle_s)
            self._wake.clear()
            if not self._running:
                return
            try:
                self.relay_pending()
                unroutable = False
            except UndeliverableMessage:
                if not unroutable:  # said once until it goes through
                    log.warning("no queue takes %s's events yet (no coordinator bound one); they stay in the outbox",
                                self.container.service_name)
                unroutable = True
                self._wake.wait(self.retry_s)  # a stop wakes it
            except Exception:
                log.exception("publishing %s's events failed; they stay in the outbox", self.container.service_name)
                self._wake.wait(self.retry_s)  # a stop wakes it

    def relay_pending(self) -> int:
        """Publish every pending event, oldest first, marking each sent once it is confirmed."""
        department = self.department

        def publish(message, routing_key: str) -> None:
            self.publisher.publish(message.SerializeToString(), routing_key=routing_key, type=EVENT_TYPE,
                                   message_id=message.event_id)
            metrics.EVENTS_PUBLISHED.labels(department.name, message.type).inc()

        def held(event_type: str) -> bool:
            return self.faults is not None and self.faults.holds(department.name, event_type)

        return len(department.outbox.publish_pending(publish, held))
