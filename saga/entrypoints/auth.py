"""Who is calling, at the gRPC edge. Every method of Applications and Operations needs metadata
`authorization: Bearer <token>`, verified against the issuer's public keys
(lifeevents/identity.py), except the few marked `@anonymous` (ListBundles, GetForm; health and
reflection are other services). `@authenticated` hands the method the verified caller after the
request and the context; a missing or bad token ends the call UNAUTHENTICATED before the method runs.

The decorator inspects what it wraps, so the same one serves a plain method, a generator (a
server stream), a coroutine or an async generator (grpc.aio): what an API method is may change
without its authentication changing. `check_every_method` refuses, at start, a servicer with a
method that is neither, so a method added later cannot go unauthenticated.
"""
from __future__ import annotations

import functools
import inspect
from typing import Callable

import grpc
from google.protobuf.descriptor import ServiceDescriptor

from lifeevents.identity import Principal, TokenVerifier, Unauthenticated
from saga.domain.errors import PermissionDenied
from saga.entrypoints.errors import Refused, abort, abort_async, domain_errors, refused

SCHEME = "bearer"
Permits = Callable[[Principal], None]
_AUTHENTICATED, _ANONYMOUS = "__authenticated__", "__anonymous__"


def caller_of(verifier: TokenVerifier, context) -> Principal:
    """The verified caller of this call; Unauthenticated saying why not (never quoting the token)."""
    values = [value for key, value in context.invocation_metadata() or () if key == "authorization"]
    if len(values) != 1:
        raise Unauthenticated("a bearer token is required: metadata 'authorization: Bearer <token>'"
                              if not values else "one authorization header, not several")
    value = values[0].decode() if isinstance(values[0], bytes) else values[0]
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != SCHEME or not token.strip():
        raise Unauthenticated("the authorization is 'Bearer <token>'")
    return verifier.verify(token.strip())


def authenticated(method: Callable | None = None, *, permits: Permits | None = None) -> Callable:
    """The method gets the verified caller as a fourth argument: method(self, request, context, caller).
    `self.verifier` verifies the token; `permits(caller)`, if given, raises PermissionDenied for a
    caller whose role may not call it (PERMISSION_DENIED, before the method runs)."""
    if method is None:
        return functools.partial(authenticated, permits=permits)
    if inspect.isasyncgenfunction(method):
        @functools.wraps(method)
        async def streaming_async(self, request, context):
            caller = await _admitted_async(self.verifier, context, permits)
            async for response in method(self, request, context, caller):
                yield response
        wrapper = streaming_async
    elif inspect.iscoroutinefunction(method):
        @functools.wraps(method)
        async def unary_async(self, request, context):
            return await method(self, request, context, await _admitted_async(self.verifier, context, permits))
        wrapper = unary_async
    elif inspect.isgeneratorfunction(method):
        @functools.wraps(method)
        def streaming(self, request, context):
            yield from method(self, request, context, _admitted(self.verifier, context, permits))
        wrapper = streaming
    else:
        @functools.wraps(method)
        def unary(self, request, context):
            return method(self, request, context, _admitted(self.verifier, context, permits))
        wrapper = unary
    setattr(wrapper, _AUTHENTICATED, True)
    return wrapper


def _admitted(verifier: TokenVerifier, context, permits: Permits | None) -> Principal:
    """The caller, or the call ends (UNAUTHENTICATED; PERMISSION_DENIED for a role that may not)."""
    try:
        caller = caller_of(verifier, context)
    except Unauthenticated as err:
        abort(context, grpc.StatusCode.UNAUTHENTICATED, str(err))
    if permits is not None:
        with domain_errors(context):
            permits(caller)
    return caller


async def _admitted_async(verifier: TokenVerifier, context, permits: Permits | None) -> Principal:
    try:
        caller = caller_of(verifier, context)
        if permits is not None:
            permits(caller)
    except Unauthenticated as err:
        await abort_async(context, Refused(grpc.StatusCode.UNAUTHENTICATED, str(err)))
    except PermissionDenied as err:
        await abort_async(context, refused(err))
    return caller


def anonymous(method: Callable) -> Callable:
    """A method anyone may call without a token (what is on offer, and its form)."""
    setattr(method, _ANONYMOUS, True)
    return method


def check_every_method(servicer: object, service: ServiceDescriptor) -> None:
    """Every method of the service (a servicer, or its class) is implemented and either authenticated
    or anonymous, or the server does not start."""
    servicer_class = servicer if isinstance(servicer, type) else type(servicer)
    for method in service.methods:
        implementation = getattr(servicer_class, method.name, None)
        if not (getattr(implementation, _AUTHENTICATED, False) or getattr(implementation, _ANONYMOUS, False)):
            raise TypeError(f"{service.full_name}/{method.name} is neither @authenticated nor @anonymous")
