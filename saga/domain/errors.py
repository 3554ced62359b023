"""What the coordinator refuses, and why: each error names what is wrong. The gRPC edge maps them to
statuses in one place (saga/entrypoints/errors.py)."""
from __future__ import annotations

from dataclasses import dataclass

from lifeevents.text import quote


class BundleDefinitionError(ValueError):
    """A definition that cannot be used; names the file and every bad item."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + f"\n{source}: ".join(problems))


class UnknownBundle(LookupError):
    def __init__(self, bundle_id: str, offered: list[str] = ()):
        self.bundle_id = bundle_id
        super().__init__(f"no bundle {quote(bundle_id)}" + (f" (offered: {', '.join(offered)})" if offered else ""))


@dataclass(frozen=True)
class FieldError:
    field: str
    description: str


class FormInvalid(ValueError):
    def __init__(self, bundle_id: str, errors: list[FieldError]):
        self.bundle_id = bundle_id
        self.errors = errors
        super().__init__("; ".join(f"{e.field}: {e.description}" for e in errors))


class InvalidRequest(ValueError):
    """A request that names something that does not fit (a version past the end, a moment before the
    application): which field, and what would."""

    def __init__(self, message: str, field: str, description: str):
        self.field, self.description = field, description
        super().__init__(message)


class LookupUnavailable(RuntimeError):
    """A department's register could not be asked just now (a retryable condition, not the
    applicant's to fix); the message names the department(s)."""


class MalformedAnswer(ValueError):
    """A department's answer that does not fit the catalogue (another department, no outcome,
    results the action does not declare, oversized values): a poison message, dead-lettered."""


class ApplicationNotFound(LookupError):
    def __init__(self, application_id: str):
        self.application_id = application_id
        super().__init__(f"no application {quote(application_id)}")


class UnknownStep(LookupError):
    pass


class ObjectionNotOpen(ValueError):
    """An objection when no objection period of the application is running."""


class OperatorActionRefused(ValueError):
    """An operator's retry or skip that the application's state does not allow; says why."""


class PermissionDenied(Exception):
    """The caller is known but may not do this: which request field decides it (empty when it is the
    caller's role, not anything in the request), and why, without quoting anyone's data."""

    def __init__(self, message: str, field: str = "", description: str = ""):
        self.field, self.description = field, description or message
        super().__init__(message)


class NotVisible(LookupError):
    """What the caller may not see; answered as if it did not exist."""

    def __init__(self, application_id: str):
        self.application_id = application_id
        super().__init__(f"no application {application_id}")


class IdempotencyKeyReused(ValueError):
    """A Submit under an idempotency key the caller already used for another form."""


class NoSuchDelegation(LookupError):
    """A revocation of a delegation that was never granted."""


class OfferClosed(ValueError):
    """A confirmation or a refusal of an offer that is no longer open (confirmed, declined, expired)."""


class CommitmentNotOpen(ValueError):
    """An officer's finding on a commitment the application does not have, one already settled, or an
    application that has nothing left to verify; `field` names what decides it."""

    def __init__(self, message: str, field: str = "commitment"):
        self.field = field
        super().__init__(message)


class NotAwaited(ValueError):
    """A Supplement, Accept or Return the application's state does not allow now (nothing awaited from
    the applicant, not in the front desk's queue); names the request field that decides it."""

    def __init__(self, message: str, field: str = "application_id"):
        self.field = field
        super().__init__(message)


class WithdrawalRefused(ValueError):
    """A withdrawal of an application that can no longer be withdrawn (ended, being undone, an offer)."""


class RatingRefused(ValueError):
    """A rating of an application that has not ended yet; says why."""


class AlreadyRated(ValueError):
    """A second rating of the same application by the same principal."""


class FollowUpNotFound(LookupError):
    def __init__(self, follow_up_id: str):
        self.follow_up_id = follow_up_id
        super().__init__(f"no follow-up {quote(follow_up_id)}")


class FollowUpClosed(ValueError):
    """A follow-up closed already (by whom and when is in the message)."""
