"""The SSRF guard: private targets refused at save and at send, the checked address is the one
connected to (no DNS rebinding), and OUTBOUND_ALLOW_PRIVATE_TARGETS lifts it."""

import socket

import pytest

from outbound.models import OutboundDelivery
from outbound.sending import outbound_deliveries_send
from outbound.services import outbound_webhook_create
from outbound.ssrf import UrlInvalid, UrlNotAllowed, address_allowed, url_check_at_save
from tests.outbound.conftest import make_call, publish

REAL_GETADDRINFO = socket.getaddrinfo


class Names(dict):
    """name -> address, and the lookups of those names made."""

    lookups: list[str]


@pytest.fixture
def dns(monkeypatch):
    """The system resolver, with names of our own (a stand-in for a DNS server we control)."""
    names = Names()
    names.lookups = lookups = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host in names:
            lookups.append(host)
            return REAL_GETADDRINFO(names[host], port, *args, **kwargs)
        return REAL_GETADDRINFO(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return names


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "172.16.0.9", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",  # noqa: S104
     "224.0.0.251", "240.0.0.1", "255.255.255.255", "::1", "fe80::1", "fc00::1", "ff02::1", "::ffff:127.0.0.1", "::"],
)  # fmt: skip
def test_loopback_private_link_local_multicast_and_reserved_addresses_are_not_allowed(address):
    assert not address_allowed(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_are_allowed(address):
    assert address_allowed(address)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://[::1]/hook",
        "http://169.254.169.254/latest/meta-data/",
        "https://10.0.0.5/",
        "http://localhost:9200/",  # a name that resolves to loopback
        "http://0x7f000001/",  # 127.0.0.1 written as a number: the resolver reads it so
    ],
)
def test_at_save_a_private_target_is_refused(url):
    with pytest.raises(UrlNotAllowed) as refused:
        url_check_at_save(url)
    assert not isinstance(refused.value, UrlInvalid)


def test_at_save_a_name_that_does_not_resolve_yet_is_accepted_and_a_public_one_too(dns):
    assert url_check_at_save("https://crm.not-yet-registered.invalid/hook").host == "crm.not-yet-registered.invalid"
    dns["crm.example"] = "93.184.216.34"
    assert url_check_at_save("https://crm.example/hook?id={{id}}").port == 443


@pytest.mark.parametrize(
    ("url", "invalid"),
    [
        ("https://{{source}}.example/hook", False),  # the host must be static
        ("https://crm.example{{path}}", False),
        ("ftp://crm.example/", True),
        ("crm.example/hook", True),
        ("https://user:pass@crm.example/", True),
        ("https:///nohost", True),
        ("https://crm.example/a b", True),
    ],
)
def test_urls_a_webhook_cannot_have(url, invalid):
    with pytest.raises(UrlNotAllowed) as refused:
        url_check_at_save(url)
    assert isinstance(refused.value, UrlInvalid) is invalid


def test_the_setting_lifts_the_guard(settings):
    settings.OUTBOUND_ALLOW_PRIVATE_TARGETS = True
    assert url_check_at_save("http://127.0.0.1:8000/hook").host == "127.0.0.1"


@pytest.mark.django_db
def test_a_name_that_resolves_to_loopback_at_send_time_is_not_sent_to(account, receiver, dns, settings):
    settings.OUTBOUND_ALLOW_PRIVATE_TARGETS = False
    url = f"http://rebind.example:{receiver.port}/hook"
    webhook = outbound_webhook_create(account=account, name="CRM", url=url, trigger="end").webhook  # no answer yet
    publish(make_call(account, completed=True))
    dns["rebind.example"] = "127.0.0.1"  # ...and now it points inside

    outbound_deliveries_send(webhook_id=webhook.pk)

    delivery = OutboundDelivery.objects.get(webhook=webhook)
    assert receiver.requests == []
    assert delivery.status == "retrying" and "public" in delivery.attempts_made.get().error


@pytest.mark.django_db
def test_the_request_goes_to_the_address_checked_with_the_name_in_the_host_header(account, receiver, dns, settings):
    """One resolution per send, and the connection is to that address: a second DNS answer (rebinding)
    is never asked for. The guard is lifted here only so that a local receiver can stand in."""
    settings.OUTBOUND_ALLOW_PRIVATE_TARGETS = True
    dns["crm.example"] = "127.0.0.1"
    url = f"http://crm.example:{receiver.port}/hook"
    webhook = outbound_webhook_create(account=account, name="CRM", url=url, trigger="end").webhook
    publish(make_call(account, completed=True))
    dns.lookups.clear()

    outbound_deliveries_send(webhook_id=webhook.pk)

    (request,) = receiver.requests
    assert request.headers["host"] == f"crm.example:{receiver.port}"
    assert dns.lookups == ["crm.example"]
    assert OutboundDelivery.objects.get(webhook=webhook).attempts_made.get().address == "127.0.0.1"
