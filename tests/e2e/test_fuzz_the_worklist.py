"""A bounded fuzz run over every RPC of a department's officers' worklist (lifeevents.departments.v1.Cases,
enumerated from its descriptor), on the running suite, as the department's own officer (so that the
requests reach the checks behind authentication): hostile requests of the kinds the coordinator's
fuzz sends (tests/support/fuzz.py) get typed answers, never UNKNOWN, INTERNAL or a hung call; every
INVALID_ARGUMENT names a field; nothing is decided and nothing logs a traceback."""
import grpc
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from lifeevents.departments.v1 import cases_pb2
from tests.support import fuzz

pytestmark = pytest.mark.e2e
EXAMPLES = 60  # per RPC: about 300 requests in all
DEPARTMENT = "social_security"
METHODS = list(cases_pb2.DESCRIPTOR.services_by_name["Cases"].methods)


@pytest.fixture(scope="module")
def worklist(running_suite, tokens):
    officer = tokens.officer(DEPARTMENT, "ss-fuzz")
    # Every call as the department's officer: tests/support/fuzz.py sends `citizen` to any service but Operations.
    credentials = fuzz.Credentials(citizen=officer, admin=officer)
    state = {"log_size": running_suite.log_path.stat().st_size, "requests": 0}
    with grpc.insecure_channel(running_suite.department_addresses[DEPARTMENT],
                               options=[("grpc.max_send_message_length", 8 * 1024 * 1024)]) as channel:
        yield channel, credentials, state
    logged = running_suite.log_path.read_bytes()[state["log_size"]:].decode("utf-8", "replace")
    assert "Traceback" not in logged, "a refusal logged a traceback"


@pytest.mark.parametrize("method", METHODS, ids=lambda m: f"Cases.{m.name}")
def test_every_worklist_rpc_answers_hostile_requests_with_typed_errors(worklist, method):
    channel, credentials, state = worklist

    @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def answers(data):
        request = data.draw(fuzz.requests_for(method, fuzz.Targets()))
        answer = fuzz.call(channel, method, request, credentials)
        state["requests"] += 1
        assert not fuzz.problems_with(answer), fuzz.problems_with(answer)
        if method.name in ("Claim", "Approve", "Reject", "Return"):
            assert answer.code != grpc.StatusCode.OK, "a made-up case id decided something"

    answers()
