"""Tokens of the development identity provider, verified as every API verifies them."""
import datetime as dt
import os

import pytest

from lifeevents.identity import (BadSubject, DevIdentityProvider, Principal, Role, TokenVerifier, Unauthenticated)

MOTHER = "370202199205140022"


@pytest.fixture
def provider(tmp_path):
    return DevIdentityProvider(tmp_path / "identity")


@pytest.fixture
def verifier(provider):
    return TokenVerifier(provider.ensure_keys())


def test_a_citizen_token_names_the_person_and_role(provider, verifier):
    principal = verifier.verify(provider.issue(MOTHER))
    assert (principal.subject, principal.role, principal.department) == (MOTHER, Role.CITIZEN, "")
    assert isinstance(principal, Principal) and principal.expires_at is not None


def test_an_officer_token_carries_the_department(provider, verifier):
    principal = verifier.verify(provider.issue("T-0042", Role.OFFICER, department="tax"))
    assert (principal.subject, principal.role, principal.department) == ("T-0042", Role.OFFICER, "tax")


@pytest.mark.parametrize("subject, role, department", [
    ("12345", Role.CITIZEN, ""),                # a citizen is a valid resident ID
    ("３７０２０２１９９２０５１４００２２", Role.CITIZEN, ""),  # in full-width digits
    ("T-0042", Role.OFFICER, ""),               # an officer has a department
    ("", Role.OPERATOR, ""),
])
def test_nonsense_subjects_get_no_token(provider, subject, role, department):
    with pytest.raises(BadSubject):
        provider.issue(subject, role, department)


def test_a_tampered_token_is_refused(provider, verifier):
    header, claims, signature = provider.issue(MOTHER).split(".")
    other_claims = provider.issue("11010519491231002X").split(".")[1]
    with pytest.raises(Unauthenticated):
        verifier.verify(".".join((header, other_claims, signature)))


def test_an_expired_token_is_refused(tmp_path, provider, verifier):
    provider.ensure_keys()
    earlier = DevIdentityProvider(provider.directory, clock=lambda: dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=2))
    with pytest.raises(Unauthenticated, match="expired"):
        verifier.verify(earlier.issue(MOTHER))


def test_a_token_of_another_key_is_refused(tmp_path, verifier):
    stranger = DevIdentityProvider(tmp_path / "elsewhere")
    with pytest.raises(Unauthenticated, match="unknown key"):
        verifier.verify(stranger.issue(MOTHER))


def test_production_refuses_development_tokens(provider):
    strict = TokenVerifier(provider.ensure_keys(), refuse_development=True)
    with pytest.raises(Unauthenticated, match="not accepted"):
        strict.verify(provider.issue(MOTHER))


def test_the_signing_key_is_private_to_its_owner(provider):
    provider.ensure_keys()
    assert os.stat(provider.key_path).st_mode & 0o777 == 0o600
    assert os.stat(provider.directory).st_mode & 0o777 == 0o700


def test_two_providers_on_one_directory_share_one_key(provider):
    provider.ensure_keys()
    again = DevIdentityProvider(provider.directory)
    assert TokenVerifier(provider.jwks_path).verify(again.issue(MOTHER)).subject == MOTHER
