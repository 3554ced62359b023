"""The statuses of an application and of its steps, as enums (str-valued: the protobuf enums carry the
same names), with what each status means for the rest: terminal, done, in flight.
"""
from __future__ import annotations

import enum


class ApplicationStatus(enum.StrEnum):  # str-valued: the protobuf enums carry the same names
    IN_PROGRESS = "IN_PROGRESS"
    COMPENSATING = "COMPENSATING"
    COMPLETED = "COMPLETED"
    REJECTED = "REJECTED"
    FAILED = "FAILED"
    OFFERED = "OFFERED"  # proactive service: a department's event offered it; its principal confirms
    DECLINED = "DECLINED"
    EXPIRED = "EXPIRED"  # not confirmed within the offer's window
    REVOKED = "REVOKED"  # a commitment was found false: what it allowed undone (saga/domain/commitments.py)
    AWAITING_ACCEPTANCE = "AWAITING_ACCEPTANCE"  # front desk (前台受理): in its queue, no step started
    RETURNED = "RETURNED"  # the front desk returned it for correction: with the applicant, its clock paused
    WITHDRAWN = "WITHDRAWN"  # its principal (or their agent) withdrew it; what was done is undone (withdrawal.py)

    @property
    def is_terminal(self) -> bool:
        return self in (ApplicationStatus.COMPLETED, ApplicationStatus.REJECTED, ApplicationStatus.FAILED,
                        ApplicationStatus.DECLINED, ApplicationStatus.EXPIRED, ApplicationStatus.REVOKED,
                        ApplicationStatus.WITHDRAWN)


class StepStatus(enum.StrEnum):
    PENDING = "PENDING"
    DISPATCHED = "DISPATCHED"
    WAITING = "WAITING"
    COMPLETED = "COMPLETED"
    REJECTED = "REJECTED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    SKIPPED = "SKIPPED"  # an operator let the application go on without this step (with a reason)
    COMPENSATING = "COMPENSATING"  # a completed step whose undo is on its way
    COMPENSATED = "COMPENSATED"  # a completed step undone by its compensation
    WITH_OFFICER = "WITH_OFFICER"  # sent, and in its department's worklist: an officer decides (review.py)
    RETURNED = "RETURNED"  # an officer returned it for correction: it waits for the applicant's
    AWAITING_MATERIALS = "AWAITING_MATERIALS"  # 容缺: it needs a material the applicant committed to supply

    @property
    def is_done(self) -> bool:
        """Done as far as the steps after it are concerned."""
        return self in (StepStatus.COMPLETED, StepStatus.SKIPPED)

    @property
    def is_in_flight(self) -> bool:  # sent and not yet answered: the department has it (an officer may)
        return self in (StepStatus.DISPATCHED, StepStatus.WITH_OFFICER)
