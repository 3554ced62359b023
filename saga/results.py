"""A department's answers, mixed into the Coordinator (saga/coordinator.py): checked against their
step and the catalogue before they are applied (else the result consumer dead-letters them),
recorded in batches (one store transaction for many answers, with the data-access entries of the
officers who opened the cases) or one by one, and a dead-lettered command or answer flagged on its
step. Like the other use cases they only record events."""
from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Mapping

from lifeevents.text import quote
from saga.domain.access_log import AccessLog
from saga.domain.answers import check_answer
from saga.domain.application import Application
from saga.domain.errors import ApplicationNotFound, MalformedAnswer, UnknownStep
from saga.domain.ports import Outcome, StepAnswer
from saga.domain.review import openings_read

log = logging.getLogger(__name__)


class ResultUseCases:
    """Needs the Coordinator's store, clock, ids, locks, catalogue and data-access logs."""

    def check_answer(self, answer: StepAnswer) -> None:
        """Raise MalformedAnswer if a department's answer does not fit its step and the catalogue
        (the result consumer dead-letters it, and the step is flagged); return if it may be applied."""
        try:
            application = self.read_application(answer.application_id)
        except ApplicationNotFound:
            raise MalformedAnswer(f"no application {quote(answer.application_id)}") from None
        check_answer(application, answer, self.catalogue)

    def record_results(self, answers: list[StepAnswer]) -> list[bool]:
        """Record a batch of department answers, and start what they unblock, in one store transaction
        (one commit for many answers is what lets results keep up under load). For each answer: False
        if it changed nothing (a duplicate, a late copy, an unknown step). Raises if the batch cannot
        be recorded; the result consumer then records its answers one by one."""
        ids = list(dict.fromkeys(uuid.UUID(str(a.application_id)) for a in answers))
        with self._locked(*ids, *self._logs_officers_may_read(answers)):
            now = self.clock()  # one instant for the answers and what they unblock
            applications = {i: self.get_application(i) for i in ids}
            changed = [self._apply_answer(applications[uuid.UUID(str(a.application_id))], a, now) for a in answers]
            # An officer opening a case is a read of the principals' data, saved with it.
            reads = [r for a in applications.values() for r in openings_read(a, self.principals_of(a))]
            self.save(*[a for a in applications.values() if a.pending_events], *self._logs_with(reads, now))
        return changed

    def _logs_officers_may_read(self, answers: list[StepAnswer]) -> list[uuid.UUID]:
        """The data-access logs the officers named in these answers may append to (locked with them)."""
        named = {a.application_id for a in answers if a.officer or a.decided_by}
        return [AccessLog.id_for(p) for i in named if (application := self._stored(i)) is not None
                for p in self.principals_of(application)]

    def _apply_answer(self, application: Application, answer: StepAnswer, now: dt.datetime) -> bool:
        try:
            changed = application.record_answer(answer, now)
        except UnknownStep:
            log.warning("result for unknown step %s of %s ignored", answer.step, application.id)
            return False
        if not changed:
            log.info("duplicate or late result for %s/%s ignored", application.id, answer.step)
            return False
        application.advance(now, self.new_id)
        log.info("application %s: step %s %s", application.id, answer.step,
                 "completed" if answer.completed else (answer.outcome or Outcome.REJECTED).value.lower())
        return True

    def record_result(self, application_id: uuid.UUID | str, step: str, command_id: str, completed: bool,
                      outputs: Mapping[str, str], reason: str = "", delivery: int = 1,
                      decided_at: dt.datetime | None = None) -> bool:
        """One department answer (record_results of one)."""
        return self.record_results([StepAnswer(str(application_id), step, command_id, completed, outputs, reason,
                                               delivery, decided_at)])[0]

    def dead_lettered(self, application_id: uuid.UUID | str, step: str, command_id: str, error: str) -> bool:
        """A command of the application, or its answer, was dead-lettered: flag the step failed. False
        (logged) for a dead letter of no application: there is nothing to flag."""
        try:
            self.read_application(application_id)
        except ApplicationNotFound:
            log.warning("dead letter for no application %s ignored: %s", quote(str(application_id)), quote(error, 200))
            return False
        with self._changing(application_id) as application:
            now = self.clock()
            try:
                changed = application.dead_lettered(step, command_id, error, now)
            except UnknownStep:
                log.warning("dead letter for unknown step %s of %s ignored", step, application_id)
                return False
            if changed:
                application.advance(now, self.new_id)
        if changed:
            log.error("application %s: step %s dead-lettered: %s", application_id, step, error)
        return changed
