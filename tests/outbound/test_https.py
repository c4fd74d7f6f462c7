"""HTTPS targets: the request connects to the checked address while TLS (SNI and the certificate
check) is for the URL's name, so a certificate for another name is refused."""

import datetime
import http.server
import socket
import ssl
import threading

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from outbound.models import OutboundDelivery
from outbound.sending import outbound_deliveries_send
from outbound.services import outbound_webhook_create
from tests.outbound.conftest import make_call, publish

pytestmark = pytest.mark.django_db
REAL_GETADDRINFO = socket.getaddrinfo


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def certificate_authority(tmp_path, *, server_name: str):
    """A CA of our own and a server certificate it signed for `server_name`: (CA file, cert file, key file)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("test CA"))
        .issuer_name(_name("test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                key_encipherment=False, data_encipherment=False, key_agreement=False, encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(server_name))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(server_name)]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    files = tmp_path / "ca.pem", tmp_path / "cert.pem", tmp_path / "key.pem"
    files[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files[2].write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return files


@pytest.fixture
def https_receiver(tmp_path):
    """An HTTPS receiver on 127.0.0.1 whose certificate says `crm.test`; records the SNI it was asked for."""
    ca_file, cert_file, key_file = certificate_authority(tmp_path, server_name="crm.test")
    seen: dict[str, list] = {"sni": [], "hosts": []}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            seen["hosts"].append(self.headers.get("Host"))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    context.sni_callback = lambda sock, name, ctx: seen["sni"].append(name)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], str(ca_file), seen
    server.shutdown()
    server.server_close()


@pytest.fixture
def names(monkeypatch):
    table: dict[str, str] = {}

    def getaddrinfo(host, port, *args, **kwargs):
        return REAL_GETADDRINFO(table.get(host, host), port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return table


def send_to(account, url: str) -> OutboundDelivery:
    webhook = outbound_webhook_create(account=account, name="CRM", url=url, trigger="end").webhook
    publish(make_call(account, completed=True))
    outbound_deliveries_send(webhook_id=webhook.pk)
    return OutboundDelivery.objects.get(webhook=webhook)


def test_https_to_the_checked_address_with_sni_and_the_certificate_for_the_name(
    account, https_receiver, names, settings
):
    port, ca_file, seen = https_receiver
    settings.OUTBOUND_ALLOW_PRIVATE_TARGETS = True  # so that 127.0.0.1 can stand in for a public address
    settings.OUTBOUND_CA_BUNDLE = ca_file
    names["crm.test"] = "127.0.0.1"

    delivery = send_to(account, f"https://crm.test:{port}/hook")

    assert delivery.status == "delivered", delivery.attempts_made.get().error
    assert seen["sni"] == ["crm.test"] and seen["hosts"] == [f"crm.test:{port}"]


def test_a_certificate_for_another_name_is_refused(account, https_receiver, names, settings):
    port, ca_file, seen = https_receiver
    settings.OUTBOUND_ALLOW_PRIVATE_TARGETS = True
    settings.OUTBOUND_CA_BUNDLE = ca_file
    names["elsewhere.test"] = "127.0.0.1"

    delivery = send_to(account, f"https://elsewhere.test:{port}/hook")

    assert delivery.status == "retrying" and "TLS error" in delivery.attempts_made.get().error
    assert seen["hosts"] == []
