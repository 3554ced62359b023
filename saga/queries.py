"""The read side the APIs call: an application and its events as they happen (Watch, its streams
bounded by saga/watchers.py), its history with every personal item masked, a replay to a version or a moment,
listings and statistics from the read models, a person's applications and delegations (the parties
read model), what-if replay, and the verification of the data-access log's chains. A read never
writes a projection: it waits, briefly, for the follower to reach the log's head, and reads what is
there."""
from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import json
import time
from dataclasses import dataclass
from typing import Any, AsyncIterator, Callable, Iterator

from eventsourcing.utils import get_topic

from saga.adapters.follow_ups import FollowUps
from saga.adapters.parties import Parties
from saga.adapters.projections import Projection
from saga.adapters.read_models import ReadModels
from saga.adapters.starts import Starts
from saga.coordinator import Coordinator
from saga.domain.access_log import AccessLog, BrokenLink, Chain
from saga.domain.application import Application
from saga.domain.bundle import Bundle, Reduction
from saga.domain.catalogue import Catalogue
from saga.domain.errors import InvalidRequest, UnknownBundle
from saga.domain.privacy import PersonalData
from saga.domain.statuses import ApplicationStatus
from saga.domain.what_if import WhatIf, what_if
from saga.follow_up_queries import FollowUpQueries
from saga.watchers import Watchers


@dataclass(frozen=True)
class HistoryEntry:
    version: int
    occurred_at: dt.datetime
    type: str
    step: str
    department: str
    operator: str
    payload_json: str  # every personal item masked


@dataclass(frozen=True)
class Verification:
    chains: int
    entries: int
    broken: BrokenLink | None


@dataclass(frozen=True)
class BundleStatistics:
    bundle: str
    by_status: dict[str, int]
    durations: dict[str, float]
    steps: dict[str, dict[str, float]]
    reductions: list[Reduction]
    # The proactive service's figures (saga/adapters/starts.py `figures`).
    proactive: dict[str, Any] | None = None
    ratings: dict[str, Any] | None = None  # ratings and follow-ups (saga/adapters/follow_ups.py `figures`)


@dataclass(frozen=True)
class Progress:
    applied: int
    total: int
    seconds: float
    done: bool = False


class Queries(FollowUpQueries):  # the follow-ups of bad ratings: saga/follow_up_queries.py
    def __init__(self, coordinator: Coordinator, watchers: Watchers, read_models: ReadModels,
                 projections: list[Projection], parse_definition: Callable[[str], Bundle], catalogue: Catalogue,
                 parties: Parties, catch_up_s: float = 2.0, watch_poll_s: float = 15.0, readers: int = 8,
                 starts: Starts | None = None, follow_ups: FollowUps | None = None):
        self.coordinator, self.watchers, self.read_models = coordinator, watchers, read_models
        self.projections, self.parse_definition, self.catalogue = projections, parse_definition, catalogue
        self.parties, self.starts, self.follow_ups = parties, starts, follow_ups
        self.catch_up_s, self.watch_poll_s = catch_up_s, watch_poll_s
        # Watch's reads of the store, off the event loop and apart from the unary handlers' threads.
        self._readers = concurrent.futures.ThreadPoolExecutor(readers, thread_name_prefix="watch-read")

    def application(self, application_id: str) -> Application:
        return self.coordinator.read_application(application_id)

    def personal_data(self, application: Application) -> PersonalData:
        """The application's personal values, to mask where someone other than the person looks."""
        try:
            bundle = self.coordinator.bundle(application.bundle)
        except UnknownBundle:
            bundle = None
        return PersonalData.of(application, bundle, self.catalogue)

    async def watch(self, application: Application, caller: str) -> AsyncIterator[tuple[Any, ApplicationStatus]]:
        """Every event of the application, then each new one as it is stored, with the application's
        status after it (replayed from the stream); ends with the event that ends the application (the
        last stored, so that a completed application revoked later (告知承诺) streams to its revocation).
        Reads the stream from the store by version (so it never skips one, whichever process stored
        it), whenever the log follower wakes it, and at the latest every `watch_poll_s`. `caller` is
        whom the stream counts against (the token's subject)."""
        loop = asyncio.get_running_loop()
        with self.watchers.watching(application.id, caller) as woken:  # before reading: nothing slips between
            seen, replayed = 0, None
            while True:
                woken.clear()
                events = await loop.run_in_executor(self._readers, self.coordinator.history, application.id, seen)
                for event in events:
                    if event.originator_version <= seen:
                        continue
                    seen, replayed = event.originator_version, event.mutate(replayed)
                    yield event, replayed.status
                if replayed is not None and replayed.is_settled:
                    return
                try:
                    await asyncio.wait_for(woken.wait(), self.watch_poll_s)
                except asyncio.TimeoutError:
                    pass

    def close(self) -> None:
        self._readers.shutdown(wait=False, cancel_futures=True)

    def history(self, application: Application) -> list[HistoryEntry]:
        """Every event of the application, each personal item in it masked."""
        departments = {s.id: s.department for s in application.steps.values()}
        personal = self.personal_data(application)
        entries = []
        for event in self.coordinator.history(application.id):
            fields = {k: v for k, v in vars(event).items()
                      if k not in ("originator_id", "originator_version", "timestamp")}
            step = fields.get("step", "")
            entries.append(HistoryEntry(
                event.originator_version, event.timestamp, type(event).__name__, step,
                fields.get("department") or departments.get(step, ""), fields.get("operator", ""),
                personal.mask(json.dumps(fields, ensure_ascii=False, default=str, sort_keys=True))))
        return entries

    def as_of(self, application: Application, version: int | None = None,
              at: dt.datetime | None = None) -> Application:
        """The application as it was at a version, or at a moment (its last event at or before it)."""
        if version is not None and not 1 <= version <= application.version:
            raise InvalidRequest("no such version", "version", f"between 1 and {application.version}")
        if version is None and at is not None:
            versions = [e.originator_version for e in self.coordinator.history(application.id) if e.timestamp <= at]
            if not versions:
                raise InvalidRequest("the application did not exist yet", "at",
                                     f"not before {application.submitted_at.isoformat()}")
            version = versions[-1]
        return self.coordinator.get_application(application.id, version=version or application.version)

    def applications(self, bundle: str = "", status: str = "", department: str = "", overdue_only: bool = False,
                     limit: int = 50, offset: int = 0, oldest_first: bool = False) -> tuple[list[dict], int]:
        self._caught_up(self.read_models)
        return self.read_models.view.applications(bundle, status, department, overdue_only, limit, offset,
                                                  oldest_first)

    def pending_steps(self, department: str = "", overdue_only: bool = False,
                      limit: int = 500) -> tuple[list[dict], dict[str, int]]:
        self._caught_up(self.read_models)
        view = self.read_models.view
        return view.pending_steps(department, overdue_only, limit), view.pending_per_department()

    def statistics(self, bundle_id: str = "") -> list[BundleStatistics]:
        bundles = [self.coordinator.bundle(bundle_id)] if bundle_id else list(self.coordinator.bundles)
        self._caught_up(self.read_models)
        now, figures = self.coordinator.clock(), {b.id: self.read_models.view.statistics(b.id) for b in bundles}
        for projection in (self.starts, self.follow_ups):
            if projection is not None:
                self._caught_up(projection)
        return [BundleStatistics(b.id, figures[b.id]["by_status"], figures[b.id]["durations"], figures[b.id]["steps"],
                                 b.reductions(), self.starts.view.figures(b.id) if self.starts is not None else None,
                                 self.follow_ups.view.figures(b.id, now) if self.follow_ups is not None else None)
                for b in bundles]

    def what_if(self, application: Application, definition: str) -> WhatIf:
        """The application's recorded form and answers run against another definition of its bundle."""
        other = self.parse_definition(definition)
        if other.id != application.bundle:
            raise InvalidRequest("another bundle", "bundle_yaml",
                                 f"defines {other.id}, the application is {application.bundle}")
        return what_if(application, self.coordinator.history(application.id), other)

    def mine(self, subject: str, limit: int = 50, offset: int = 0) -> tuple[list[tuple[Application, str]], int]:
        """The applications a person is party to (as a principal or as the agent), newest first, each
        with their role in it; and how many there are."""
        self._caught_up(self.parties)
        rows, total = self.parties.view.of(subject, limit, offset)
        found = []
        for row in rows:
            try:
                found.append((self.coordinator.read_application(row["application_id"]), row["role"]))
            except LookupError:
                continue
        return found, total

    def delegations(self, subject: str) -> list[dict]:
        """The delegations a person granted, and those granted to them, newest first."""
        self._caught_up(self.parties)
        return self.parties.view.delegations(subject)

    def verify_access_logs(self, batch: int = 1000) -> Verification:
        """Walk every person's data-access log, entry by entry as stored, checking each link; the first
        broken one is reported."""
        recorder, mapper = self.coordinator.recorder, self.coordinator.mapper
        topics = [get_topic(AccessLog.Opened), get_topic(AccessLog.AccessRecorded)]
        chains: dict[Any, Chain] = {}
        entries, position = 0, 0
        while True:
            notifications = recorder.select_notifications(start=position + 1, limit=batch, topics=topics)
            for notification in notifications:
                try:
                    event = mapper.to_domain_event(notification)
                except (ValueError, TypeError, KeyError):
                    problem = f"entry of log {notification.originator_id} cannot be read"
                    return Verification(len(chains), entries, BrokenLink("", notification.originator_version, problem))
                chain = chains.setdefault(event.originator_id, Chain())
                if (broken := chain.check(event)) is not None:
                    return Verification(len(chains), entries, broken)
                entries += isinstance(event, AccessLog.AccessRecorded)
            if len(notifications) < batch:
                return Verification(len(chains), entries, None)
            position = notifications[-1].id

    def rebuild(self) -> Iterator[Progress]:
        """Drop the projections and rebuild them from the log (an operator's command, not a read)."""
        total = self.coordinator.recorder.max_notification_id() or 0
        started = time.perf_counter()
        for projection in self.projections:
            progress: list[int] = []
            projection.rebuild(self.coordinator.recorder, self.coordinator.mapper, progress.append)
            for applied in progress[::max(1, len(progress) // 20)] + progress[-1:]:
                yield Progress(applied, total, time.perf_counter() - started)
        yield Progress(total, total, time.perf_counter() - started, done=True)

    def _caught_up(self, projection: Projection) -> None:
        """Wait, briefly, until the projection has followed the log to where it is now."""
        head = self.coordinator.recorder.max_notification_id()
        if head:
            try:
                projection.view.wait(projection.name, head, timeout=self.catch_up_s)
            except TimeoutError:
                pass  # the follower is busy or stopped: read what is there
