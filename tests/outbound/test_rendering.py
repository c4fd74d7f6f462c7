"""Each body type and URL tokens, as a real receiver gets them; mustache escaping by content type."""

import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from outbound.rendering import escape_for, mustache_render
from outbound.sending import outbound_deliveries_send
from outbound.services import outbound_webhook_create
from tests.outbound.conftest import make_call, publish

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_targets")]


def forward(account, receiver, *, call_fields=None, **config):
    """A webhook on `end`, a completed call published, the delivery sent: the request the receiver got."""
    webhook = outbound_webhook_create(
        account=account, **{"name": "CRM", "url": receiver.url(), "trigger": "end", **config}
    ).webhook
    call = make_call(account, completed=True, **(call_fields or {}))
    publish(call)
    outbound_deliveries_send(webhook_id=webhook.pk)
    (request,) = receiver.requests
    return request, call


def test_log_is_the_call_as_the_api_shows_it_plus_what_people_edit(account, receiver, api):
    request, call = forward(account, receiver, body_type="log", call_fields={"tags": ["vip"], "sale_value": "99.50"})
    shown = api.get(f"/v1/calls/{call.pk}").json()["data"]
    body = request.json
    assert {k: body[k] for k in shown} == shown
    assert (body["tags"], body["sale_value"], body["notes"]) == (["vip"], "99.50", "")
    assert "raw" not in body and "payload" not in body


def test_resource_links_to_the_call_readable_without_a_jwt_for_that_call_only(account, receiver, settings):
    request, call = forward(account, receiver, body_type="resource")
    link = request.json["resource_url"]
    assert set(request.json) == {"resource_url"} and link.startswith("http://127.0.0.1:8000/v1/call-links/")
    anonymous = APIClient()
    path = urlsplit(link).path

    answer = anonymous.get(path)
    assert answer.status_code == 200 and answer.json()["data"]["id"] == call.pk

    other = make_call(account, provider_call_id="other")
    forged = path.replace(f"/call-links/{call.pk}:", f"/call-links/{other.pk}:")
    assert forged != path and anonymous.get(forged).status_code == 403
    assert anonymous.get(path[:-2] + "xx").json()["code"] == "CALL_LINK_INVALID"
    assert anonymous.get(f"/v1/calls/{call.pk}").status_code == 401  # the link is no key to the API

    settings.OUTBOUND_CALL_LINK_DAYS = 0
    time.sleep(1.1)
    expired = anonymous.get(path)
    assert expired.status_code == 403 and expired.json()["code"] == "CALL_LINK_EXPIRED"


def test_resource_links_use_the_public_base_url(account, receiver, settings):
    settings.PUBLIC_BASE_URL = "https://hooks.agency.example/"
    request, _ = forward(account, receiver, body_type="resource")
    assert request.json["resource_url"].startswith("https://hooks.agency.example/v1/call-links/")


def test_a_pixel_gets_its_replacement_variables_url_encoded(account, receiver):
    url = receiver.url("/px") + "?cid=:callid&d=:duration&dir=:direction&src=:source&sale=:sale_value&keep=:other"
    request, call = forward(
        account, receiver, body_type="pixel", method="GET", url=url, call_fields={"sale_value": "250.00"}
    )
    assert request.method == "GET" and request.body == b""
    assert parse_qs(request.query) == {
        "cid": [call.provider_call_id],
        "d": ["187"],
        "dir": ["inbound"],
        "src": ["Google Ads"],
        "sale": ["250.00"],
        "keep": [":other"],
    }
    assert "src=Google%20Ads" in request.query


def test_a_pixel_may_post(account, receiver):
    request, call = forward(account, receiver, body_type="pixel", url=receiver.url("/px/:callid"))
    assert request.method == "POST" and request.path == f"/px/{call.provider_call_id}" and request.body == b""


def test_url_tokens_are_url_encoded_and_id_is_ours(account, receiver):
    url = receiver.url("/crm") + "?activity_id={{id}}&contact_number={{caller_number}}&name={{caller_name}}"
    request, call = forward(account, receiver, url=url)
    query = parse_qs(request.query)
    assert query["activity_id"] == [str(call.pk)] and query["contact_number"] == ["+15551234567"]
    assert query["name"] == ['Jane "JJ" Doe & Co']
    assert "contact_number=%2B15551234567" in request.query


TEMPLATE = (
    '{"phone": "{{caller_number}}", "name": "{{caller_name}}", "ours": {{id}}, '
    '"theirs": "{{provider_call_id}}", "crm": "{{payload.custom_fields.crm_id}}", '
    '"talked": {{talk_time}}, "first": {{is_first_time_caller}}, "sale": "{{sale_value}}"'
    '{{#tags}}, "tag": "{{.}}"{{/tags}}}'
)


def test_mustache_json_values_are_json_escaped_never_html_entities(account, receiver):
    request, call = forward(
        account,
        receiver,
        body_type="mustache",
        body_template=TEMPLATE,
        content_type="application/json",
        call_fields={"tags": ["a\\b"], "caller_name": 'Jane "JJ" <Doe> & Co\nline two'},
    )
    assert request.headers["content-type"] == "application/json"
    assert b"&quot;" not in request.body and b"&amp;" not in request.body and b"&lt;" not in request.body
    assert request.json == {
        "phone": "+15551234567",
        "name": 'Jane "JJ" <Doe> & Co\nline two',
        "ours": call.pk,
        "theirs": call.provider_call_id,
        "crm": "A-17",
        "talked": 164,
        "first": False,
        "sale": "",
        "tag": "a\\b",
    }


def test_mustache_form_bodies_are_url_encoded(account, receiver):
    request, _ = forward(
        account,
        receiver,
        body_type="mustache",
        body_template="phone={{caller_number}}&name={{caller_name}}",
        content_type="application/x-www-form-urlencoded",
    )
    assert parse_qs(request.body.decode()) == {"phone": ["+15551234567"], "name": ['Jane "JJ" Doe & Co']}


def test_mustache_xml_is_html_escaped_and_plain_text_is_not():
    assert (
        mustache_render("<n>{{v}}</n>", {"v": "a<b&c"}, escape=escape_for("application/xml")) == "<n>a&lt;b&amp;c</n>"
    )
    assert mustache_render("{{v}}", {"v": "a<b&c"}, escape=escape_for("text/plain")) == "a<b&c"
    assert mustache_render('{"v": "{{{v}}}"}', {"v": 'x"y'}, escape=escape_for("application/json")) == '{"v": "x"y"}'


@pytest.mark.parametrize("template", ["{{#tags}}no end", "{{#a}}{{/b}}", "{{=<% %>=}}<%#x%>", "{{=a=}}"])
def test_a_template_that_does_not_parse_is_refused_at_save(account, receiver, template):
    with pytest.raises(ValidationError) as refused:
        outbound_webhook_create(
            account=account, name="CRM", url=receiver.url(), trigger="end", body_type="mustache", body_template=template
        )
    assert "body_template" in refused.value.message_dict


def test_templates_never_load_partials_from_disk():
    assert mustache_render("[{{>/etc/passwd}}]", {}, escape=escape_for("text/plain")) == "[]"


def test_a_text_message_is_forwarded_with_its_own_fields(account, receiver):
    from django.utils import timezone

    from integrations.call_changes import ActivityCreated, Origin, activities_publish
    from integrations.models import Message

    webhook = outbound_webhook_create(
        account=account,
        name="SMS",
        url=receiver.url("/sms/{{provider_message_id}}"),
        trigger="inbound_text",
        body_type="mustache",
        body_template='{"from": "{{from_number}}", "text": "{{body}}", "raw": "{{payload.sid}}"}',
    ).webhook
    message = Message.objects.create(
        account=account,
        provider="callrail",
        provider_message_id="SM1",
        direction="inbound",
        from_number="+15551230000",
        body='Call me "later"',
        sent_at=timezone.now(),
        raw={"sid": "SM1-raw"},
    )
    activities_publish(created=[ActivityCreated("message", message, Origin.DELIVERY, True)])
    outbound_deliveries_send(webhook_id=webhook.pk)
    (request,) = receiver.requests
    assert request.path == "/sms/SM1"
    assert json.loads(request.body) == {"from": "+15551230000", "text": 'Call me "later"', "raw": "SM1-raw"}
