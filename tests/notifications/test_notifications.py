"""Notifications end to end: who gets what, on which channel, sent once, failures visible."""

import email
import json
import logging
import threading
from datetime import timedelta
from email import policy

import pytest
import responses
from django.db import connection
from django.utils import timezone

from notifications.models import Device, Notification, NotificationDelivery, NotificationPreference
from notifications.sending import notification_delivery_send
from notifications.services import notification_record
from tests.conftest import api_client_for, owner_of, wait_for
from tests.notifications.conftest import FCM_PROJECT

pytestmark = pytest.mark.django_db

FCM_SEND = f"https://fcm.googleapis.com/v1/projects/{FCM_PROJECT}/messages:send"
TOKEN_URL = "https://oauth2.googleapis.com/token"


def record(account, event="project_added", **context):
    return notification_record(event=event, account=account, context={"integration": "calltrackingmetrics", **context})


def delivery(notification, channel) -> NotificationDelivery:
    return NotificationDelivery.objects.get(notification=notification, channel=channel)


def parsed(envelope) -> email.message.EmailMessage:
    return email.message_from_bytes(envelope.content, policy=policy.default)


def test_email_goes_through_real_smtp_with_both_bodies_to_owners_of_account_and_parent(make_account, smtp_server):
    agency = make_account("Bright Agency")
    client = make_account("Acme Dental", parent=agency)
    notifications = record(client)
    assert {n.recipient for n in notifications} == {owner_of(client), owner_of(agency)}

    for notification in notifications:
        assert notification_delivery_send(delivery_id=delivery(notification, "email").pk) == "sent"

    assert sorted(e.rcpt_tos[0] for e in smtp_server.messages) == sorted(
        [owner_of(client).email, owner_of(agency).email]
    )
    message = parsed(smtp_server.messages[0])
    assert message["Subject"] == "CallTrackingMetrics connected"
    assert message["From"] == "CTM integration <alerts@agency.example>"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    for body in (text, html):
        assert "Acme Dental" in body and "CallTrackingMetrics" in body
    assert "<h2" in html


def test_a_delivery_is_never_sent_twice_when_its_task_runs_twice(account, smtp_server):
    (notification,) = record(account)
    email_delivery = delivery(notification, "email")

    assert notification_delivery_send(delivery_id=email_delivery.pk) == "sent"
    assert notification_delivery_send(delivery_id=email_delivery.pk) == "not-claimed"
    assert len(smtp_server.messages) == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_the_same_delivery_at_once_send_it_once(account, smtp_server):
    (notification,) = record(account)
    email_delivery = delivery(notification, "email")
    smtp_server.hold = threading.Event()  # the winner stays mid-send until the other claim is over
    barrier = threading.Barrier(2)
    results: list[str] = []

    def worker() -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=30)
            results.append(notification_delivery_send(delivery_id=email_delivery.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    loser_done = wait_for(lambda: len(results) == 1, timeout=10)  # only the winner waits on the SMTP server
    smtp_server.hold.set()
    for thread in threads:
        thread.join(timeout=60)

    assert loser_done and results == ["not-claimed", "sent"]
    assert len(smtp_server.messages) == 1
    email_delivery.refresh_from_db()
    assert (email_delivery.status, email_delivery.attempts) == ("sent", 1)


def test_smtp_down_is_retried_with_backoff_then_failed_and_visible_in_the_admin(account, settings, admin_client):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, False, 2
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    (notification,) = record(account)
    email_delivery = delivery(notification, "email")

    assert notification_delivery_send(delivery_id=email_delivery.pk) == "retry"
    email_delivery.refresh_from_db()
    assert email_delivery.next_attempt_at > timezone.now() and "Connection" in email_delivery.last_error
    assert notification_delivery_send(delivery_id=email_delivery.pk) == "not-claimed"  # not due yet

    NotificationDelivery.objects.filter(pk=email_delivery.pk).update(next_attempt_at=timezone.now())
    assert notification_delivery_send(delivery_id=email_delivery.pk) == "failed"

    page = admin_client.get("/admin/notifications/notificationdelivery/?status=failed").content.decode()
    assert f">{email_delivery.pk}<" in page and "Connection" in page
    admin_client.post(
        "/admin/notifications/notificationdelivery/", {"action": "resend", "_selected_action": [email_delivery.pk]}
    )
    assert NotificationDelivery.objects.get(pk=email_delivery.pk).status == "ready"


def register_device(account, token="fcm-token-phone-1"):
    response = api_client_for(owner_of(account)).post(
        "/v1/notifications/devices", {"token": token, "platform": "android"}, format="json"
    )
    assert response.status_code in (200, 201), response.json()


@responses.activate
def test_push_through_fcm_http_v1_with_the_oauth_exchange(account, fcm_credentials):
    register_device(account)
    token_exchange = responses.add(
        responses.POST, TOKEN_URL, json={"access_token": "ya29.test-token", "expires_in": 3600, "token_type": "Bearer"}
    )
    send = responses.add(responses.POST, FCM_SEND, json={"name": f"projects/{FCM_PROJECT}/messages/42"})
    (notification,) = record(account, event="token_invalidated")

    assert notification_delivery_send(delivery_id=delivery(notification, "push").pk) == "sent"

    assert token_exchange.call_count == 1 and send.call_count == 1
    request = send.calls[0].request
    assert request.headers["Authorization"] == "Bearer ya29.test-token"
    message = json.loads(request.body)["message"]
    assert message["token"] == "fcm-token-phone-1"
    assert message["notification"]["title"] == "Reconnect CallTrackingMetrics"
    assert message["data"]["event"] == "token_invalidated"


FCM_UNREGISTERED = {
    "error": {
        "code": 404,
        "message": "Requested entity was not found.",
        "status": "NOT_FOUND",
        "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "UNREGISTERED"}],
    }
}


@responses.activate
def test_a_token_fcm_reports_unregistered_is_pruned(account, fcm_credentials):
    register_device(account, "stale-token")
    register_device(account, "live-token")
    responses.add(responses.POST, TOKEN_URL, json={"access_token": "t", "expires_in": 3600, "token_type": "Bearer"})
    responses.add(
        responses.POST,
        FCM_SEND,
        status=404,
        json=FCM_UNREGISTERED,
        match=[responses.matchers.json_params_matcher({"message": {"token": "stale-token"}}, strict_match=False)],
    )
    responses.add(responses.POST, FCM_SEND, json={"name": "projects/p/messages/1"})
    (notification,) = record(account)

    assert notification_delivery_send(delivery_id=delivery(notification, "push").pk) == "sent"
    assert list(Device.objects.values_list("token", flat=True)) == ["live-token"]


@responses.activate
def test_fcm_server_errors_are_retried_later(account, fcm_credentials):
    register_device(account)
    responses.add(responses.POST, TOKEN_URL, json={"access_token": "t", "expires_in": 3600, "token_type": "Bearer"})
    responses.add(
        responses.POST,
        FCM_SEND,
        status=502,
        json={"error": {"code": 503, "message": "The service is currently unavailable.", "status": "UNAVAILABLE"}},
    )
    (notification,) = record(account)

    assert notification_delivery_send(delivery_id=delivery(notification, "push").pk) == "retry"
    assert "unavailable" in delivery(notification, "push").last_error.lower()
    assert Device.objects.count() == 1  # a server error says nothing about the device


def test_without_fcm_credentials_push_is_skipped_and_said_once(make_account, caplog, settings):
    settings.FCM_CREDENTIALS_JSON = settings.FCM_CREDENTIALS_FILE = ""
    first, second = make_account("A"), make_account("B")
    register_device(first, "t1")
    register_device(second, "t2")
    caplog.set_level(logging.WARNING)

    for account in (first, second):
        (notification,) = record(account)
        assert notification_delivery_send(delivery_id=delivery(notification, "push").pk) == "skipped"

    warnings = [r for r in caplog.records if "FCM credentials are not configured" in r.getMessage()]
    assert len(warnings) == 1


def test_push_to_someone_without_devices_is_skipped(account, fcm_credentials):
    (notification,) = record(account)
    assert notification_delivery_send(delivery_id=delivery(notification, "push").pk) == "skipped"


def test_preferences_decide_channels_and_default_call_events_off(account):
    owner = owner_of(account)
    client = api_client_for(owner)

    matrix = client.get("/v1/notifications/preferences").json()["data"]
    assert matrix["project_added"] == {"in_app": True, "email": True, "push": True}
    assert matrix["call_missed"] == {"in_app": False, "email": False, "push": False}

    changed = client.patch(
        "/v1/notifications/preferences",
        {"project_added": {"email": False}, "call_missed": {"push": True}},
        format="json",
    )
    assert changed.status_code == 200
    assert changed.json()["data"]["project_added"] == {"in_app": True, "email": False, "push": True}

    (notification,) = record(account)
    assert set(notification.deliveries.values_list("channel", flat=True)) == {"push"}
    (missed,) = record(account, event="call_missed", caller_number="+15551234567")
    assert missed.in_app is False and set(missed.deliveries.values_list("channel", flat=True)) == {"push"}
    assert record(account, event="call_received") == []  # nobody wants it: nothing recorded


@pytest.mark.parametrize(
    "payload",
    [
        {"no_such_event": {"email": True}},
        {"project_added": {"fax": True}},
        {"project_added": {"email": "yes"}},
        ["project_added"],
    ],
)
def test_invalid_preferences_are_400s(account, payload):
    response = api_client_for(owner_of(account)).patch("/v1/notifications/preferences", payload, format="json")
    assert response.status_code == 400 and response.json()["code"] == "VALIDATION_ERROR"
    assert not NotificationPreference.objects.exists()


def test_in_app_list_unread_first_and_read_marks(make_account):
    account = make_account("Acme")
    client = api_client_for(owner_of(account))
    first = record(account)[0]
    second = record(account, event="token_invalidated")[0]
    record(make_account("Other"))  # someone else's

    assert client.post(f"/v1/notifications/{first.pk}/read").status_code == 200
    listing = client.get("/v1/notifications?limit=10").json()
    assert [n["id"] for n in listing["data"]] == [second.pk, first.pk]  # unread first
    assert listing["data"][0]["title"] == "Reconnect CallTrackingMetrics"
    assert listing["pagination"]["total"] == 2

    assert client.post("/v1/notifications/read-all").json()["data"] == {"marked_read": 1}
    assert Notification.objects.filter(recipient=owner_of(account), read_at__isnull=True).count() == 0
    other = Notification.objects.exclude(recipient=owner_of(account)).first()
    assert client.post(f"/v1/notifications/{other.pk}/read").status_code == 404


def test_devices_register_and_remove(account):
    client = api_client_for(owner_of(account))
    assert (
        client.post("/v1/notifications/devices", {"token": "abc", "platform": "ios"}, format="json").status_code == 201
    )
    assert (
        client.post("/v1/notifications/devices", {"token": "abc", "platform": "ios"}, format="json").status_code == 201
    )  # registering again is the same answer: it says nothing about what was there
    assert client.post("/v1/notifications/devices", {"platform": "fax"}, format="json").status_code == 400
    assert client.delete("/v1/notifications/devices", {"token": "abc"}, format="json").status_code == 200
    assert client.delete("/v1/notifications/devices", {"token": "abc"}, format="json").status_code == 404
    assert not Device.objects.exists()


@responses.activate
def test_a_token_signed_in_by_someone_else_moves_to_them_quietly_and_stops_getting_the_old_owners_push(
    make_account, fcm_credentials
):
    before, after = make_account("Before"), make_account("After")
    register_device(before, "shared-phone")
    (pending,) = record(before)  # queued for the previous owner while they were signed in

    answer = api_client_for(owner_of(after)).post(
        "/v1/notifications/devices", {"token": "shared-phone", "platform": "android"}, format="json"
    )
    assert answer.status_code == 201  # as for a new token: nothing tells the caller it existed
    assert answer.json()["data"] == {"token": "shared-phone", "platform": "android"}

    responses.add(responses.POST, TOKEN_URL, json={"access_token": "t", "expires_in": 3600, "token_type": "Bearer"})
    send = responses.add(responses.POST, FCM_SEND, json={"name": "projects/p/messages/1"})
    assert notification_delivery_send(delivery_id=delivery(pending, "push").pk) == "skipped"
    assert send.call_count == 0

    (theirs,) = record(after)
    assert notification_delivery_send(delivery_id=delivery(theirs, "push").pk) == "sent"
    assert [json.loads(c.request.body)["message"]["token"] for c in send.calls] == ["shared-phone"]


@pytest.mark.parametrize("body", [["5"], {"token": 5}, {"token": ["5"]}, "5"])
def test_removing_a_device_with_a_body_that_is_not_a_token_is_a_400(account, body):
    Device.objects.create(user=owner_of(account), token="5")
    response = api_client_for(owner_of(account)).delete("/v1/notifications/devices", body, format="json")
    assert response.status_code == 400 and response.json()["code"] == "VALIDATION_ERROR"
    assert Device.objects.filter(token="5").exists()


def test_webhook_failing_is_raised_once_when_deliveries_keep_failing(client, endpoint, account, settings):
    from tests.conftest import deliver, endpoint_url, load_fixture

    settings.WEBHOOK_FAILING_THRESHOLD = 3
    for _ in range(5):
        deliver(client, endpoint_url(endpoint), load_fixture("ctm", "webhook__end"), secret="rotated-elsewhere")

    (notification,) = Notification.objects.filter(event="webhook_failing")
    assert notification.recipient == owner_of(account)
    assert notification.context["endpoint_id"] == str(endpoint.pk) and notification.context["failures"] == 3
    assert set(notification.deliveries.values_list("channel", flat=True)) == {"email", "push"}


def test_old_failures_do_not_count(client, endpoint, settings):
    from integrations.models import WebhookDelivery
    from tests.conftest import deliver, endpoint_url, load_fixture

    settings.WEBHOOK_FAILING_THRESHOLD = 2
    deliver(client, endpoint_url(endpoint), load_fixture("ctm", "webhook__end"), secret="wrong")
    WebhookDelivery.objects.update(received_at=timezone.now() - timedelta(hours=2))
    deliver(client, endpoint_url(endpoint), load_fixture("ctm", "webhook__end"), secret="wrong")
    assert not Notification.objects.filter(event="webhook_failing").exists()
