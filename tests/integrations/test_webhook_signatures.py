"""X-CTM-Signature pinned to known answers computed outside this code base.

Every literal below was computed with openssl, e.g. the valid one:
    printf '%s' '1763856000{"id":12345,...}' | openssl dgst -sha1 -hmac 'SKexample-9f2e' -binary | base64
The near misses are what a wrong implementation would produce (body before time, hex instead of
base64, SHA-256 instead of SHA-1, the time left out) or a valid signature with its last character
changed: the receiver must refuse every one of them.
"""

import pytest

from integrations.models import SigningSecret, WebhookDelivery
from integrations.providers.ctm.sandbox.server import ctm_sign as sandbox_sign
from integrations.webhooks.signatures import ctm_signature, ctm_signature_valid
from tests.conftest import WEBHOOK_LOGIN, endpoint_url
from tests.webhook_helpers import ctm_headers
from tests.webhook_helpers import ctm_sign as helper_sign

SECRET = "SKexample-9f2e"
TIME = "1763856000"
BODY = b'{"id":12345,"account_id":25001,"dial_status":"answered","duration":42}'
SIGNATURE = "KoCcF+oZpbgAHZJqip1wbJoDvW4="

NEAR_MISSES = {
    "last character changed": "KoCcF+oZpbgAHZJqip1wbJoDvWA=",
    "body + time": "43ZMTC27EW5s05boE34wuxbp+XA=",
    "hex instead of base64": "2a809c17ea19a5b8001d926a8a9d706c9a03bd6e",
    "sha256 instead of sha1": "h+H9KDdeM9LSAlt95P+waHEnZZ6s4E6+uUewp73Q44o=",
    "the body alone": "HAoiXQFfwWAHR05nD07JrFFskAg=",
    "the next second's": "SJWT5kYdtIok320SbrFeyNOEA2A=",
}


def test_the_signature_is_base64_hmac_sha1_of_time_then_body():
    assert ctm_signature(secret=SECRET, timestamp=TIME, body=BODY) == SIGNATURE


def test_the_known_signature_is_accepted_among_several_secrets():
    assert ctm_signature_valid(secrets=["another-secret", SECRET], timestamp=TIME, body=BODY, signature=SIGNATURE)


@pytest.mark.parametrize("signature", NEAR_MISSES.values(), ids=NEAR_MISSES.keys())
def test_a_near_miss_is_refused(signature):
    assert not ctm_signature_valid(secrets=[SECRET], timestamp=TIME, body=BODY, signature=signature)


def test_the_tests_and_the_sandbox_sign_like_ctm():
    """They sign deliveries for the other tests and the bench with their own code: pin it too."""
    assert helper_sign(secret=SECRET, timestamp=TIME, body=BODY) == SIGNATURE
    assert sandbox_sign(secret=SECRET, timestamp=TIME, body=BODY) == SIGNATURE


# A delivery the receiver can store as a call (it has a start time), with its own openssl answers.
CALL_BODY = b'{"id":12345,"account_id":25001,"dial_status":"answered","duration":42,"unix_time":1763856000}'
CALL_SIGNATURE = "SzXt2siKtnBRVOKctdlz+1jo340="
CALL_NEAR_MISSES = {
    "last character changed": "SzXt2siKtnBRVOKctdlz+1jo34A=",
    "body + time": "dTB5GQHcObcKVlQPIO+8VYi+oYQ=",
    "hex instead of base64": "4b35eddac88ab6705154e29cb5d973fb58e8df8d",
    "sha256 instead of sha1": "MbEoowSRkS6ZSMDfI2yMZFB5fm79R6Q8mb5vQErolRQ=",
}


def post(client, endpoint, signature: str):
    headers = ctm_headers(CALL_BODY, secret=None, username=WEBHOOK_LOGIN[0], password=WEBHOOK_LOGIN[1])
    headers.update(HTTP_X_CTM_TIME=TIME, HTTP_X_CTM_SIGNATURE=signature)
    return client.generic("POST", endpoint_url(endpoint), CALL_BODY, content_type="application/json", **headers)


@pytest.mark.django_db
def test_the_receiver_accepts_the_known_signature_and_refuses_near_misses(client, endpoint, settings):
    settings.WEBHOOK_TIMESTAMP_TOLERANCE = 0  # the known answer's time is in the past
    SigningSecret.objects.create(provider_account_id="25001", secret=SECRET)

    accepted = post(client, endpoint, CALL_SIGNATURE)
    assert accepted.status_code == 200, accepted.json()
    for name, signature in CALL_NEAR_MISSES.items():
        response = post(client, endpoint, signature)
        assert (response.status_code, response.json().get("code")) == (401, "INVALID_SIGNATURE"), name
    valid = list(WebhookDelivery.objects.order_by("pk").values_list("valid", flat=True))
    assert valid == [True] + [False] * len(CALL_NEAR_MISSES)
