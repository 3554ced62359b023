"""A bounded fuzz run over every RPC of both APIs (enumerated from their descriptors), against the
running suite: no answer is UNKNOWN, INTERNAL or a hung call, nor RESOURCE_EXHAUSTED under the 4 MB
transport limit; every INVALID_ARGUMENT names a field; a refused request stores nothing (every
event stored meanwhile belongs to an application that was there before or that an accepted
request made, a delegation an accepted grant or revocation changed, or a data-access log, where
reads and refused reads are recorded; the settled applications the requests name get none); nothing
floods the log. Every call is authenticated (tests/support/fuzz.py `Credentials`), so the checks
behind authentication are reached. `make fuzz` runs the long version."""
from pathlib import Path

import grpc
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from deploy.sample_forms import newborn_form
from tests.support import fuzz
from tests.support.controls import EventLog

pytestmark = pytest.mark.e2e
EXAMPLES = 160  # per RPC with fields; about 2,600 requests in all


@pytest.fixture(scope="module")
def fuzzing(running_suite, applicant):
    made = [applicant.submit(newborn_form()) for _ in range(2)]
    for application_id in made:
        applicant.settle(application_id, timeout=60)  # settled: a Watch on it ends
    log = EventLog(Path(running_suite.settings["LIFEEVENTS_DATA_DIR"]))
    # Settled targets get no event from a refused request (an accepted Rate records one: counted as accepted).
    state = {"before": log.originators() - set(made), "head": log.head(), "accepted": set(),
             "log_size": running_suite.log_path.stat().st_size, "requests": 0}
    with grpc.insecure_channel(running_suite.coordinator_address,
                               options=[("grpc.max_send_message_length", 8 * 1024 * 1024)]) as channel:
        yield channel, fuzz.Targets(made), fuzz.Credentials.of_suite(running_suite.data_dir), state, log
    stored = log.originators_after(state["head"]) - log.data_access_logs()
    assert stored <= state["before"] | state["accepted"], "a refused request stored events"
    logged = running_suite.log_path.read_bytes()[state["log_size"]:].decode("utf-8", "replace")
    assert "Traceback" not in logged, "a refusal logged a traceback"
    assert len(logged) < 200 * state["requests"], "a refusal logs at most a short line"


@pytest.mark.parametrize("method", fuzz.rpcs(), ids=lambda m: f"{m.containing_service.name}.{m.name}")
def test_every_rpc_answers_hostile_requests_with_typed_errors(fuzzing, method):
    channel, targets, credentials, state, _ = fuzzing
    examples = EXAMPLES if method.input_type.fields else 8

    @settings(max_examples=examples, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def answers(data):
        request = data.draw(fuzz.requests_for(method, targets))
        answer = fuzz.call(channel, method, request, credentials)
        state["requests"] += 1
        if (stored := fuzz.stored_by(answer)) is not None:
            state["accepted"].add(stored)
        assert not fuzz.problems_with(answer), fuzz.problems_with(answer)

    answers()
