"""The proactive service's use cases (无感审批), mixed into the Coordinator (saga/coordinator.py): a
department's event becomes an offer of each bundle whose trigger names it, once per event; the
people it is made to confirm it (checked exactly as a Submit, then the steps start) or decline it;
the timers remind them halfway and let it expire. And a person's choice of the language their
notifications are written in.

Like the other use cases they only record events: what the relays publish (commands, notifications)
follows from the stored stream.
"""
from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any, Callable, Iterable, Mapping

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from lifeevents.callers import Principal
from saga.domain.access import Purpose, Sight, SightKind, check_may_answer_offer
from saga.domain.access_log import AccessLog
from saga.domain.application import Application
from saga.domain.bundle import Bundle
from saga.domain.errors import FormInvalid, NotVisible, PermissionDenied
from saga.domain.forms import complete_form
from saga.domain.offers import confirmed_form, prefill
from saga.domain.ports import DepartmentEvent, RecordedLookups
from saga.domain.preferences import DEFAULT_LANGUAGE, Preferences, check_language
from saga.domain.reads import Read, lookup_reads, reads_of

log = logging.getLogger(__name__)
# Whose ids an offer's id is derived with: the application of an event and a bundle, one of each.
OFFERS = "proactive"


class ProactiveUseCases:
    """Needs the Coordinator's store, clock, registers, locks, data-access logs and its way of saving
    again (`save_attempts`, `pause_before_again`)."""

    def offer(self, event: DepartmentEvent) -> list[uuid.UUID]:
        """Offer every bundle the event triggers, once per event: a redelivered event finds its offers
        and changes nothing. An event naming nobody the trigger makes the offer to offers nothing.
        LookupUnavailable when a register the prefill needs cannot be asked (offer again later)."""
        offered = []
        for bundle in self.bundles:
            if bundle.proactive is not None and bundle.proactive.event.key == event.key:
                if (application_id := self._offer(bundle, event)) is not None:
                    offered.append(application_id)
        return offered

    def _offer(self, bundle: Bundle, event: DepartmentEvent) -> uuid.UUID | None:
        application_id = Application.keyed_id(self.id_secret, OFFERS, bundle.id, event.event_id)
        if self._stored(application_id) is not None:
            log.info("event %s: %s offered already as %s", event.event_id, bundle.id, application_id)
            return application_id
        now = self.clock()
        prefilled = prefill(bundle, event.payload, now.date(), RecordedLookups(self.lookups))
        if not prefilled.principals:
            log.warning("event %s (%s) names nobody the %s offer is made to; nothing offered", event.event_id,
                        event.key, bundle.id)
            return None

        def offered() -> Application | None:
            if self._stored(application_id) is not None:  # another coordinator offered it meanwhile
                return None
            return Application.offer(bundle, application_id, event, prefilled, now)

        self._saved_with_reads([application_id], offered, prefilled.reads(str(application_id), event.key), now)
        log.info("event %s (%s): %s offered as %s", event.event_id, event.key, bundle.id, application_id)
        return application_id

    def confirm(self, application_id: uuid.UUID | str, form: Mapping[str, Any], *,
                caller: Principal) -> tuple[Application, Sight]:
        """The principal (or their agent) confirms an open offer with the items still asked: checked
        exactly as a Submit would check the whole form (every bad field named, a value differing from
        a known item among them; nothing stored), recorded with the register reads it made, and the
        steps that can start are sent."""
        now = self.clock()
        application = self.read_application(application_id)
        agent = self._answering(application, caller, now)
        application.check_open_offer(now)
        bundle = self.bundles.get(application.bundle)
        merged, typed, conflicts = confirmed_form(bundle, application, form)
        lookups = RecordedLookups(self.lookups)
        try:
            completed = complete_form(bundle, merged, now.date(), lookups)
        except FormInvalid as invalid:
            raise FormInvalid(bundle.id, conflicts + invalid.errors) from None
        if conflicts:
            raise FormInvalid(bundle.id, conflicts)
        reads = lookup_reads(bundle, lookups.made, [*completed.looked_up, *bundle.principals], caller,
                             str(application.id)) + self._agents_reads(application, caller, agent, completed.values)

        def confirmed() -> Application:
            current = self.get_application(application.id)
            current.confirm(completed.values, completed.looked_up, typed, caller.subject, agent, now)
            current.commit_missing(bundle, now)  # a deferrable material left out, as at Submit
            current.advance(now, self.new_id)  # recorded with the confirmation; the relay sends them
            return current

        application = self._saved_with_reads([application.id], confirmed, reads, now)
        log.info("application %s: offer confirmed (%d field(s) typed)", application.id, len(typed))
        return application, Sight(SightKind.AGENT if agent else SightKind.PRINCIPAL)

    def decline(self, application_id: uuid.UUID | str, reason: str = "", *,
                caller: Principal) -> tuple[Application, Sight]:
        with self._changing(application_id) as application:
            now = self.clock()
            agent = self._answering(application, caller, now)
            application.decline(caller.subject, reason, now)
        self.record_reads(self._agents_reads(application, caller, agent, application.form))
        log.info("application %s: offer declined", application_id)
        return application, Sight(SightKind.AGENT if agent else SightKind.PRINCIPAL)

    @staticmethod
    def _agents_reads(application: Application, caller: Principal, agent: str, form: Iterable[str]) -> list[Read]:
        """An agent answering an offer sees the whole application: a read for each principal's log."""
        if not agent:
            return []
        return reads_of(caller, Sight(SightKind.AGENT), application.principals, str(application.id), sorted(form),
                        Purpose.FOLLOW)

    def remind_offer(self, application_id: uuid.UUID | str, _timer: str = "") -> bool:
        """A timer is due: remind the principal of an open offer, once, halfway through its window."""
        with self._changing(application_id) as application:
            return application.remind(self.clock())

    def expire_offer(self, application_id: uuid.UUID | str, _timer: str = "") -> bool:
        """A timer is due: an open offer not confirmed within its window ends EXPIRED."""
        with self._changing(application_id) as application:
            expired = application.expire(self.clock())
        if expired:
            log.info("application %s: offer expired", application_id)
        return expired

    def _answering(self, application: Application, caller: Principal, now: dt.datetime) -> str:
        """Who may answer the offer (its principals, their agent); NotVisible for anyone else."""
        try:
            return check_may_answer_offer(caller, application.principals,
                                          self._delegated(caller.subject, application.bundle, now))
        except NotVisible:
            raise NotVisible(str(application.id)) from None

    def _saved_with_reads(self, ids: Iterable[uuid.UUID], change: Callable[[], Application | None],
                          reads: list[Read], now: dt.datetime) -> Application | None:
        """What `change` makes (under the locks of the ids and of the reads' logs), saved with the reads'
        entries in one transaction; made and saved again when another coordinator appended to one of
        those logs first. None if `change` found nothing to do."""
        for attempt in range(1, self.save_attempts + 1):
            try:
                with self._locked(*ids, *(AccessLog.id_for(r.subject) for r in reads)):
                    changed = change()
                    if changed is None:
                        return None
                    self.save(changed, *self._logs_with(reads, now))
                return changed
            except IntegrityError:
                if attempt == self.save_attempts:
                    raise
                log.info("a stream it appends to moved meanwhile; saving again")
                self.pause_before_again(attempt)
        return None

    # -- preferences ---------------------------------------------------------------------------------
    def set_language(self, language: str, *, caller: Principal) -> Preferences:
        """A person chooses the language of their notifications (zh or en)."""
        if not caller.is_person:
            raise PermissionDenied(f"a {caller.role.value} receives no notifications")
        language = check_language(language)
        preferences_id = Preferences.id_for(caller.subject)
        with self._locked(preferences_id):
            try:
                preferences = self.repository.get(preferences_id)
                preferences.choose(language, self.clock())
            except AggregateNotFoundError:
                preferences = Preferences.of(caller.subject, language, self.clock())
            self.save(preferences)
        return preferences

    def language_of(self, subject: str) -> str:
        try:
            return self.repository.get(Preferences.id_for(subject)).language
        except AggregateNotFoundError:
            return DEFAULT_LANGUAGE
