"""Watch: each event comes with the application's status after it; the stream is read from the
store by version whenever the log follower sees the application change (also when another process
stored the events); streams are bounded per caller and in all."""
import asyncio

import grpc
import pytest

from lifeevents.v1 import applications_pb2 as pb
from saga.adapters.projection_store import projections_datastore
from saga.bootstrap import wire
from saga.config import Config
from saga.coordinator import Coordinator
from saga.entrypoints.applications_api import ApplicationsServicer
from saga.entrypoints.errors import Refused
from saga.watchers import Watchers, WatchLimitReached
from tests.support.fakes import MOTHER, STARTUP_FORM, shipped_bundles, shipped_catalogue
from tests.support.identity import LocalTokens
from tests.unit.test_coordinator_use_cases import OUTPUTS, form

FATHER = "370202199003070011"  # the newborn form's father: a principal too


class Context:
    """An open call of one client connection with the caller's token; `abort` ends it as grpc.aio's
    context does."""

    def __init__(self, token: str, peer="ipv4:127.0.0.1:50000"):
        self._peer, self._metadata = peer, (("authorization", f"Bearer {token}"),)

    def peer(self):
        return self._peer

    def invocation_metadata(self):
        return self._metadata

    async def abort(self, code, details, trailing_metadata=()):
        raise Refused(code, details)


async def collect(stream, limit=None):
    events = []
    async for event in stream:
        events.append(event)
        if limit and len(events) == limit:
            break
    return events


def test_events_during_compensation_are_reported_compensating(coordinator, bus, wiring, tmp_path):
    application_id = coordinator.submit("startup", STARTUP_FORM, caller=MOTHER)
    [registration] = bus.sent
    coordinator.record_result(application_id, registration.step, registration.command_id, True,
                              {"credit_code": "91370202000000019Q", "licence_no": "1"})
    parallel = {d.step: d for d in bus.sent[1:]}
    coordinator.record_result(application_id, "tax_registration", parallel["tax_registration"].command_id, False, {},
                              "arrears")
    for step in ("seals", "social_insurance", "medical_insurance", "housing_fund"):  # in flight at the refusal
        coordinator.record_result(application_id, step, parallel[step].command_id, True, {"n": "1"})
    while coordinator.get_application(application_id).status == "COMPENSATING":
        undo = bus.sent[-1]
        coordinator.record_result(application_id, undo.step, undo.command_id, True, {"ok": "1"})

    tokens = LocalTokens(tmp_path)
    servicer = ApplicationsServicer(coordinator, wiring.queries, tokens.verifier())
    events = asyncio.run(collect(servicer.Watch(pb.WatchRequest(application_id=str(application_id)),
                                                Context(tokens.citizen(MOTHER.subject)))))
    statuses = [(e.type, e.step, pb.Application.Status.Name(e.status)) for e in events]
    started = [e.type for e in events].index("CompensationStarted")
    assert {status for _, _, status in statuses[:started]} == {"IN_PROGRESS"}
    assert {status for _, _, status in statuses[started:-1]} == {"COMPENSATING"}, statuses[started:]
    assert ("StepCompleted", "seals", "COMPENSATING") in statuses, "an answer that arrives during compensation"
    assert statuses[-1] == ("Rejected", "", "REJECTED")


def test_a_caller_beyond_its_streams_is_refused_naming_the_limit(coordinator, wiring, tmp_path):
    """Streams count against the token's subject, whichever connections they come over."""
    wiring.watchers.per_caller = 2
    application_id = str(coordinator.submit("newborn", form(), caller=MOTHER))
    tokens = LocalTokens(tmp_path)
    servicer = ApplicationsServicer(coordinator, wiring.queries, tokens.verifier())
    mother = tokens.citizen(MOTHER.subject)

    async def three_streams_from_one_caller():
        opened = [servicer.Watch(pb.WatchRequest(application_id=application_id),
                                 Context(mother, f"ipv4:127.0.0.1:{50000 + n}")) for n in range(3)]
        firsts = [await anext(stream) for stream in opened[:2]]
        assert all(e.type == "Submitted" for e in firsts)
        with pytest.raises(Refused) as refusal:
            await anext(opened[2])
        other_caller = await anext(servicer.Watch(pb.WatchRequest(application_id=application_id),
                                                  Context(tokens.citizen(FATHER))))
        for stream in opened[:2]:
            await stream.aclose()
        return refusal.value, other_caller

    refusal, other_caller = asyncio.run(three_streams_from_one_caller())
    assert refusal.code == grpc.StatusCode.RESOURCE_EXHAUSTED and "at most 2 Watch streams per caller" in refusal.message
    assert other_caller.type == "Submitted"
    assert wiring.watchers.open == 0, "closed streams are counted out"


def test_the_server_wide_bound_holds_too():
    watchers = Watchers(per_caller=10, total=1)

    async def two():
        with watchers.watching("a", "one"):
            with pytest.raises(WatchLimitReached, match="at most 1 Watch streams open at once"):
                with watchers.watching("b", "two"):
                    pass
    asyncio.run(two())


def test_a_watcher_sees_what_another_coordinator_process_stores(tmp_path, bus):
    """Two coordinators on one SQLite store: the watcher on the first is woken by its log follower
    (polling) and reads, by version, the answer the second one recorded."""
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "events.sqlite")}
    config = Config(data_dir=tmp_path, event_store=f"sqlite:///{tmp_path / 'events.sqlite'}", create_schema=True)
    first = wire(config, bus=bus, bundles=shipped_bundles(), projections=projections_datastore())
    second = Coordinator(shipped_bundles(), env=env, catalogue=shipped_catalogue())
    try:
        application_id = first.coordinator.submit("newborn", form(), caller=MOTHER)
        [dispatch] = bus.sent
        first.follower.poll_s = 0.05
        first.follower.start()
        tokens = LocalTokens(tmp_path)
        servicer = ApplicationsServicer(first.coordinator, first.queries, tokens.verifier())

        async def watch_while_the_other_answers():
            stream = servicer.Watch(pb.WatchRequest(application_id=str(application_id)),
                                    Context(tokens.citizen(MOTHER.subject)))
            seen = [await anext(stream), await anext(stream)]  # Submitted, StepDispatched
            await asyncio.get_running_loop().run_in_executor(None, lambda: second.record_result(
                application_id, dispatch.step, dispatch.command_id, True, OUTPUTS[dispatch.step]))
            seen.append(await asyncio.wait_for(anext(stream), 5))
            await stream.aclose()
            return seen

        seen = asyncio.run(watch_while_the_other_answers())
        assert [e.type for e in seen] == ["Submitted", "StepDispatched", "StepCompleted"]
        assert [e.version for e in seen] == [1, 2, 3]
    finally:
        first.follower.stop()
        first.close()
        second.close()
