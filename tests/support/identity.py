"""Callers in tests: tokens of the running suite's development identity provider (deploy/local.py:
LocalTokens, keyed by the suite's data directory), and a call context for calling a servicer
in-process with a token, as gRPC would."""
from __future__ import annotations

from deploy.local import LocalTokens  # noqa: F401  (the tests' token helper)


class CallAborted(Exception):
    def __init__(self, code, details: str):
        super().__init__(f"{code.name}: {details}")
        self.code, self.details = code, details


class CallContext:
    """What a servicer method sees of a call: its metadata (the bearer token), whether the client is
    still there; an abort raises CallAborted with the status."""

    def __init__(self, token: str = ""):
        self.metadata = (("authorization", f"Bearer {token}"),) if token else ()

    def invocation_metadata(self):
        return self.metadata

    def is_active(self) -> bool:
        return True

    def abort(self, code, details: str, trailing_metadata=()):
        raise CallAborted(code, details)

    def abort_with_status(self, status):
        raise CallAborted(status.code, status.details)
