"""告知承诺's use cases, mixed into the Coordinator (saga/coordinator.py): a commitment's timer sends
its verification (or its register record) again while unanswered; an officer of the verifying
department records a finding. A department's answer to a commitment's command comes in with the
other answers (Coordinator.record_results). Like every use case they only record events; the relay
publishes the commands they decide."""
from __future__ import annotations

import logging
import uuid

from lifeevents.callers import Principal
from saga.domain.application import Application
from saga.domain.commitments import check_may_record_finding, check_finding

log = logging.getLogger(__name__)


class CommitmentUseCases:
    """Needs the Coordinator's `_changing`, clock and id factory."""

    def commitment_due(self, application_id: uuid.UUID | str, step: str) -> bool:
        """A commitment's timer is due: send its verification, or send an unanswered command again."""
        with self._changing(application_id) as application:
            if not application.commitment_due(step, self.clock()):
                return False
        log.info("application %s: %s sent", application_id, step)
        return True

    def record_finding(self, application_id: uuid.UUID | str, commitment: str, holds: bool, finding: str, *,
                       caller: Principal) -> Application:
        """An officer of the department that verifies the commitment found it true or false; a false one
        revokes the application (what it allowed undone, the register record sent)."""
        finding = check_finding(finding)
        with self._changing(application_id) as application:
            check_may_record_finding(caller, application, commitment)
            now = self.clock()
            application.record_finding(commitment, holds, finding, caller.subject, now)
            application.advance(now, self.new_id)
        log.warning("application %s: commitment %s found %s by officer %s", application_id, commitment,
                    "true" if holds else "false", caller.subject)
        return application
