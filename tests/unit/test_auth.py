"""Authentication at the gRPC edge (saga/entrypoints/auth.py): one decorator for a plain method, a
server stream, a coroutine and an async generator (grpc.aio), so a method can change its kind
without losing its check; a servicer with an unmarked method does not start."""
import asyncio

import grpc
import pytest

from lifeevents.v1 import applications_pb2
from saga.domain.access import OperatorAction, check_may_operate
from saga.entrypoints.auth import authenticated, check_every_method
from saga.entrypoints.applications_api import ApplicationsServicer
from tests.support.identity import CallAborted, CallContext, LocalTokens

MOTHER = "370202199205140022"


class AsyncCallContext(CallContext):
    async def abort(self, code, details: str, trailing_metadata=()):
        raise CallAborted(code, details)


class Servicer:
    def __init__(self, verifier):
        self.verifier = verifier

    @authenticated
    def Unary(self, request, context, caller):
        return caller.subject

    @authenticated
    def Stream(self, request, context, caller):
        yield caller.subject
        yield caller.role.value

    @authenticated
    async def Coroutine(self, request, context, caller):
        return caller.subject

    @authenticated
    async def AsyncStream(self, request, context, caller):
        yield caller.subject

    @authenticated(permits=lambda caller: check_may_operate(caller, OperatorAction.REPLAY))
    def AdminsOnly(self, request, context, caller):
        return caller.subject


@pytest.fixture
def tokens(tmp_path):
    return LocalTokens(tmp_path)


@pytest.fixture
def servicer(tokens):
    return Servicer(tokens.verifier())


async def collected(stream):
    return [item async for item in stream]


def test_every_kind_of_method_gets_the_verified_caller(servicer, tokens):
    context = CallContext(tokens.citizen(MOTHER))
    assert servicer.Unary(None, context) == MOTHER
    assert list(servicer.Stream(None, context)) == [MOTHER, "citizen"]
    context = AsyncCallContext(tokens.citizen(MOTHER))
    assert asyncio.run(servicer.Coroutine(None, context)) == MOTHER
    assert asyncio.run(collected(servicer.AsyncStream(None, context))) == [MOTHER]


@pytest.mark.parametrize("metadata", [(), (("authorization", "Bearer nonsense"),), (("authorization", "Basic abc"),),
                                      (("authorization", "Bearer"),)])
def test_every_kind_of_method_is_unauthenticated_without_a_good_token(servicer, metadata):
    context, async_context = CallContext(), AsyncCallContext()
    context.metadata = async_context.metadata = metadata
    calls = [lambda: servicer.Unary(None, context), lambda: list(servicer.Stream(None, context)),
             lambda: asyncio.run(servicer.Coroutine(None, async_context)),
             lambda: asyncio.run(collected(servicer.AsyncStream(None, async_context)))]
    for call in calls:
        with pytest.raises(CallAborted) as err:
            call()
        assert err.value.code == grpc.StatusCode.UNAUTHENTICATED


def test_a_token_of_another_key_is_unauthenticated(servicer, tmp_path):
    stranger = LocalTokens(tmp_path / "elsewhere").citizen(MOTHER)
    with pytest.raises(CallAborted) as err:
        servicer.Unary(None, CallContext(stranger))
    assert err.value.code == grpc.StatusCode.UNAUTHENTICATED and "unknown key" in err.value.details


def test_a_role_that_may_not_is_permission_denied(servicer, tokens):
    assert servicer.AdminsOnly(None, CallContext(tokens.admin())) == "admin"
    with pytest.raises(CallAborted) as err:
        servicer.AdminsOnly(None, CallContext(tokens.operator()))
    assert err.value.code == grpc.StatusCode.PERMISSION_DENIED


def test_a_servicer_with_a_method_neither_authenticated_nor_anonymous_does_not_start():
    service = applications_pb2.DESCRIPTOR.services_by_name["Applications"]
    check_every_method(ApplicationsServicer, service)

    class Forgetful(ApplicationsServicer):
        def Get(self, request, context):  # a method changed without its check
            return None

    with pytest.raises(TypeError, match="lifeevents.v1.Applications/Get"):
        check_every_method(Forgetful, service)
    assert getattr(ApplicationsServicer.ListBundles, "__anonymous__")
