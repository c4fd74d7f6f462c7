"""Property: whatever a sender puts in a CTM delivery, the receiver never answers 5xx, and every
delivery it acknowledges with a 2xx is processed without error: into a call, unless it names an event
that is not a call's (then it is stored and ignored)."""

import json

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from integrations.models import Call, WebhookDelivery
from integrations.webhooks.processing import webhook_deliveries_process
from tests.conftest import WEBHOOK_SECRET, deliver, endpoint_url, load_fixture

SHARED_URL = "/v1/e/calltrackingmetrics/webhook/call-update"
END = load_fixture("ctm", "webhook__end")
FIELDS = [
    "id",
    "sid",
    "account_id",
    "dial_status",
    "direction",
    "duration",
    "talk_time",
    "unix_time",
    "called_at",
    "start_time",
    "tracking_number",
    "caller_number",
    "source",
    "name",
    "audio",
    "is_new_caller",
]

awkward_text = st.one_of(
    st.text(max_size=20),
    st.text(alphabet=st.sampled_from(["\x00", "\ud800", "\udfff", "a", "é", "😀", "\u202e"]), max_size=30),
    st.text(min_size=60, max_size=400),
    st.sampled_from(
        ["", "1", "-1", "1e30", "NaN", "+15559876543", "2026-11-21T10:00:00Z", "9999-12-31 11:59 PM +14:00"]
    ),
)
numbers = st.one_of(
    st.integers(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 2**31, 2**63, 1e30, 253402300799, -62135596800, 1795300000]),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, awkward_text)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(awkward_text, inner, max_size=4)),
    max_leaves=12,
)
deep = st.integers(min_value=20, max_value=1200).map(lambda n: json.loads("[" * min(n, 900) + "]" * min(n, 900)))
field_values = st.one_of(json_values, deep)


@st.composite
def ctm_bodies(draw) -> bytes:
    """A real CTM delivery with a few fields replaced (or removed, or added), encoded in any of the
    ways a sender might (ASCII escapes or raw UTF-8, NaN allowed, lone surrogates passed through)."""
    payload = dict(END)
    for name in draw(st.lists(st.sampled_from(FIELDS), max_size=4, unique=True)):
        if draw(st.booleans()):
            payload[name] = draw(field_values)
        else:
            payload.pop(name, None)
    payload.update(draw(st.dictionaries(awkward_text, json_values, max_size=3)))
    if draw(st.booleans()):
        payload = {"event": draw(st.sampled_from(["call.completed", "call.received", "nonsense", ""])), "call": payload}
    text = json.dumps(payload, ensure_ascii=draw(st.booleans()))
    return text.encode("utf-8", errors="surrogatepass")


@pytest.mark.django_db
@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=ctm_bodies(), signed=st.booleans(), shared=st.booleans())
def test_no_delivery_is_answered_5xx_and_every_2xx_becomes_a_call(
    client, endpoint, django_settings, body, signed, shared
):
    url = SHARED_URL if shared else endpoint_url(endpoint)
    response = deliver(client, url, body, secret=WEBHOOK_SECRET if signed else None)

    assert response.status_code < 500, (response.status_code, response.content, body[:300])
    event(f"{response.status_code} {response.json().get('code', '')}")  # shown by --hypothesis-show-statistics
    if response.status_code == 200:
        delivery_id = response.json()["data"]["delivery_id"]
        outcome = webhook_deliveries_process()
        assert outcome.get(delivery_id) in ("processed", "duplicate"), (outcome, body[:300])
        delivery = WebhookDelivery.objects.get(pk=delivery_id)
        assert delivery.last_error == ""
        if named_event(body) == "nonsense":
            assert not Call.objects.filter(deliveries=delivery).exists() and delivery.event == "nonsense"
        else:
            assert Call.objects.filter(deliveries=delivery).exists() or delivery.status == "duplicate"


def named_event(body: bytes) -> str:
    """The event an accepted body's envelope names ("" for CTM's own format, the call at the top level)."""
    payload = json.loads(body)
    return str(payload.get("event") or "") if isinstance(payload.get("call"), dict) else ""


@pytest.fixture
def django_settings(settings):
    settings.WEBHOOK_REJECTION_RATE = "1000000/m"  # this test sends thousands of rejections on purpose
    settings.WEBHOOK_TIMESTAMP_TOLERANCE = 0
    return settings
