"""The use cases of 容缺受理 and 前台受理, mixed into the Coordinator (saga/coordinator.py): the
applicant's Supplement (a promised material, a correction), the front desk's queue, acceptance and
return, and the timers of a commitment (the reminder halfway, the deadline).

Like the other use cases they only record events; what the relays publish (the commands of the steps
that start, the notices) follows from the stored stream.
"""
from __future__ import annotations

import logging
import uuid
from typing import Any, Mapping

from lifeevents.callers import Principal
from saga.domain.access import Purpose, Sight, SightKind, check_front_desk, check_may_supplement
from saga.domain.application import Application
from saga.domain.errors import FieldError, FormInvalid, InvalidRequest, NotVisible
from saga.domain.forms import supplied_values
from saga.domain.front_desk import MAX_REASON
from saga.domain.reads import reads_of

log = logging.getLogger(__name__)
FRONT_DESK_SIGHT = Sight(SightKind.FRONT_DESK, masked=True)
# The most fields one return may name.
MAX_RETURNED_FIELDS = 64


class PracticeUseCases:
    """Needs the Coordinator's store, clock, locks, delegations and data-access logs."""

    def supplement(self, application_id: uuid.UUID | str, form: Mapping[str, Any], *,
                   caller: Principal) -> tuple[Application, Sight]:
        """The applicant sends what the application awaits: each value checked as at Submit (nothing
        stored on error), recorded, and what it unblocks started."""
        with self._changing(application_id) as application:
            now = self.clock()
            try:
                agent = check_may_supplement(caller, self.principals_of(application),
                                             self._delegated(caller.subject, application.bundle, now))
            except NotVisible:
                raise NotVisible(str(application_id)) from None
            application.check_awaited()
            bundle = self.bundles.get(application.bundle)
            values = supplied_values(bundle, form, now.date(), application.awaited_fields())
            application.supply(values, caller.subject, now)
            application.advance(now, self.new_id)
        log.info("application %s: %d item(s) supplied", application.id, len(values))
        return application, Sight(SightKind.AGENT if agent else SightKind.PRINCIPAL)

    def front_desk_queue(self, queries: Any, bundle: str, limit: int, offset: int, *,
                         caller: Principal) -> tuple[list[Application], int]:
        """The applications waiting for the front desk, oldest first."""
        check_front_desk(caller)
        rows, total = queries.applications(bundle=bundle, status="AWAITING_ACCEPTANCE", limit=limit, offset=offset,
                                           oldest_first=True)
        return [self.read_application(row["application_id"]) for row in rows], total

    def accept(self, application_id: uuid.UUID | str, *, caller: Principal) -> Application:
        """A front-desk officer accepts a queued application: its steps start."""
        check_front_desk(caller)
        with self._changing(application_id) as application:
            now = self.clock()
            application.accept(caller.subject, now)
            application.advance(now, self.new_id)
        self._front_desk_read(application, caller)
        log.info("application %s accepted at the front desk", application.id)
        return application

    def return_case(self, application_id: uuid.UUID | str, reasons: Mapping[str, str], *,
                    caller: Principal) -> Application:
        """A front-desk officer returns a queued application for correction, a reason per form field."""
        check_front_desk(caller)
        if not reasons:
            raise InvalidRequest("name at least one field to correct", "reasons", "at least one field, with a reason")
        if len(reasons) > MAX_RETURNED_FIELDS:
            raise InvalidRequest("too many fields", "reasons", f"at most {MAX_RETURNED_FIELDS}")
        with self._changing(application_id) as application:
            bundle = self.bundles.get(application.bundle)
            errors = [FieldError(f"reasons[{name[:64]}]", f"not a field of the {bundle.id} form")
                      for name in reasons if name not in bundle.fields]
            errors += [FieldError(f"reasons[{name}]", f"a reason of 1 to {MAX_REASON} characters")
                       for name, why in reasons.items() if name in bundle.fields
                       and not 1 <= len(why.strip()) <= MAX_REASON]
            if errors:
                raise FormInvalid(bundle.id, errors)
            application.return_for_correction(caller.subject, {k: v.strip() for k, v in reasons.items()},
                                               self.clock())
        self._front_desk_read(application, caller)
        log.info("application %s returned by the front desk: %s", application.id, ", ".join(sorted(reasons)))
        return application

    def _front_desk_read(self, application: Application, caller: Principal) -> None:
        """Deciding on a case is opening it: a read in each principal's data-access log."""
        self.record_reads(reads_of(caller, FRONT_DESK_SIGHT, self.principals_of(application), str(application.id),
                                   sorted(application.form), Purpose.FOLLOW, ""))

    def remind_materials(self, application_id: uuid.UUID | str, _timer: str = "") -> bool:
        """A timer is due: remind the applicant of a promised material, halfway to its deadline."""
        with self._changing(application_id) as application:
            return application.remind_materials(self.clock())

    def materials_overdue(self, application_id: uuid.UUID | str, _timer: str = "") -> bool:
        """A timer is due: a promised material not supplied by its deadline stops the application."""
        with self._changing(application_id) as application:
            now = self.clock()
            missed = application.materials_overdue(now)
            if missed:
                application.advance(now, self.new_id)
        if missed:
            log.info("application %s: a promised material was not supplied in time", application_id)
        return missed
