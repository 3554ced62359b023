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


def test_providers_starting_together_agree_on_one_key(tmp_path):
    import threading

    providers = [DevIdentityProvider(tmp_path / "identity") for _ in range(8)]
    threads = [threading.Thread(target=p.ensure_keys) for p in providers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    verifier = TokenVerifier(providers[0].jwks_path)
    assert {verifier.verify(p.issue(MOTHER)).subject for p in providers} == {MOTHER}
    assert [f.name for f in (tmp_path / "identity").iterdir() if f.suffix == ".tmp"] == []


def test_a_service_credential_is_minted_in_development_and_renewed_before_it_expires(provider, verifier):
    from lifeevents.identity import ServiceCredential

    credential = ServiceCredential(provider=provider, subject="coordinator", lifetime=dt.timedelta(minutes=10))
    first = credential()
    assert credential() == first, "kept while it has long enough to live"
    assert verifier.verify(first).role is Role.SERVICE
    credential.lifetime = dt.timedelta(minutes=4)  # shorter than the renewal margin: every call renews
    credential._minted = (first, dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=4))
    assert verifier.verify(credential()).subject == "coordinator"
    assert ServiceCredential("configured-token")() == "configured-token"


def test_production_settings_refuse_development_tokens_and_need_an_issuer_and_a_service_token(tmp_path):
    from lifeevents.identity import IdentitySettings

    development = IdentitySettings.from_environment(tmp_path, {})
    assert development.warning() and development.development_provider() is not None
    token = development.development_provider().issue(MOTHER)
    assert development.verifier().verify(token).subject == MOTHER

    production = IdentitySettings.from_environment(tmp_path, {"LIFEEVENTS_ENV": "production"})
    assert production.development_provider() is None and not production.warning()
    with pytest.raises(ValueError, match="LIFEEVENTS_TOKEN_ISSUERS"):
        production.check()
    configured = IdentitySettings.from_environment(tmp_path, {
        "LIFEEVENTS_ENV": "production", "LIFEEVENTS_TOKEN_ISSUERS": "https://id.example.gov.cn,lifeevents-dev",
        "LIFEEVENTS_JWKS_FILE": str(development.jwks_file)})
    with pytest.raises(ValueError, match="LIFEEVENTS_SERVICE_TOKEN"):
        configured.check(needs_service_token=True)
    with pytest.raises(Unauthenticated, match="not accepted"):
        configured.verifier().verify(token)


def test_the_cli_prints_a_token_of_the_local_key_and_none_in_production(tmp_path, monkeypatch, capsys):
    from lifeevents import cli

    monkeypatch.setenv("LIFEEVENTS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LIFEEVENTS_ENV", raising=False)
    assert cli.main(["token", "--as", MOTHER]) == 0
    token = capsys.readouterr().out.strip()
    principal = TokenVerifier(tmp_path / "identity" / "jwks.json").verify(token)
    assert (principal.subject, principal.role) == (MOTHER, Role.CITIZEN)
    assert principal.expires_at - dt.datetime.now(dt.timezone.utc) > dt.timedelta(minutes=59)
    assert cli.main(["token", "--as", "T-0042", "--role", "officer", "--department", "tax"]) == 0
    officer = TokenVerifier(tmp_path / "identity" / "jwks.json").verify(capsys.readouterr().out.strip())
    assert (officer.role, officer.department) == (Role.OFFICER, "tax")
    with pytest.raises(SystemExit, match="resident ID"):
        cli.main(["token", "--as", "12345"])
    monkeypatch.setenv("LIFEEVENTS_ENV", "production")
    with pytest.raises(SystemExit, match="production"):
        cli.main(["token", "--as", MOTHER])
