"""The coordinator serves TLS when a certificate and key are configured: a client that trusts the
certificate is answered, a plain-text client is not. The certificate is made here with
`cryptography`, for 127.0.0.1."""
from __future__ import annotations

import datetime as dt
import ipaddress

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from lifeevents.client import ApplicantClient
from lifeevents.v1 import applications_pb2 as pb
from lifeevents.v1 import applications_pb2_grpc as pb_grpc
from saga.adapters.projection_store import projections_datastore
from saga.bootstrap import wire
from saga.config import Config
from saga.entrypoints.applications_api import ApplicationsServicer
from saga.entrypoints.operations_api import OperationsServicer
from saga.entrypoints.server import CoordinatorServer
from tests.support.fakes import RecordingBus
from tests.support.identity import LocalTokens

pytestmark = pytest.mark.integration


def self_signed(tmp_path) -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "lifeevents test coordinator")])
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=1))
                   .not_valid_after(now + dt.timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                               x509.DNSName("localhost")]), critical=False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .sign(key, hashes.SHA256()))
    pem = certificate.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    (tmp_path / "cert.pem").write_bytes(pem)
    (tmp_path / "key.pem").write_bytes(key_pem)
    return pem, key_pem


def test_the_coordinator_serves_tls_when_given_a_certificate_and_key(tmp_path, monkeypatch):
    certificate, key = self_signed(tmp_path)
    monkeypatch.setenv("LIFEEVENTS_TLS_CERT", str(tmp_path / "cert.pem"))
    monkeypatch.setenv("LIFEEVENTS_TLS_KEY", str(tmp_path / "key.pem"))
    config = Config(data_dir=tmp_path, event_store="memory", grpc_address="127.0.0.1:0", create_schema=True)
    assert config.tls == (certificate, key)
    wiring = wire(config, bus=RecordingBus(), projections=projections_datastore())
    tokens = LocalTokens(tmp_path)
    verifier = tokens.verifier()
    server = CoordinatorServer(ApplicationsServicer(wiring.coordinator, wiring.queries, verifier),
                               OperationsServicer(wiring.coordinator, wiring.queries, None, verifier),
                               config.grpc_address, tls=config.tls)
    port = server.start()
    try:
        with ApplicantClient(f"127.0.0.1:{port}", tokens.citizen("370202199205140022"),
                             root_certificates=certificate) as trusting:
            bundles = trusting.stub.ListBundles(pb.ListBundlesRequest(), timeout=5).bundles
            assert "newborn" in {b.id for b in bundles}
            assert trusting.mine().total == 0, "an authenticated call over TLS"
        with grpc.insecure_channel(f"127.0.0.1:{port}") as plain:
            with pytest.raises(grpc.RpcError) as err:
                pb_grpc.ApplicationsStub(plain).ListBundles(pb.ListBundlesRequest(), timeout=5)
            assert err.value.code() == grpc.StatusCode.UNAVAILABLE
    finally:
        server.stop(0)
        wiring.close()


def test_a_certificate_without_its_key_is_refused(tmp_path):
    with pytest.raises(ValueError, match="LIFEEVENTS_TLS_KEY"):
        Config(data_dir=tmp_path, tls_cert=str(tmp_path / "cert.pem")).tls
