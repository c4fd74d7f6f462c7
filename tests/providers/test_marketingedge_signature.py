"""Marketing Edge's `ms-signature` against known answers computed outside our code, with OpenSSL:

    openssl dgst -sha256 -hmac 3f8a1c6e9b2d47f0a5c8e1b4d7f02a6c \
        tests/fixtures/marketingedge/CallDetails.CallPreprocessed__seed.json
    printf '%s' '{"Id":"647e8029bf9e432582bd746e9f8ee6d9","Attempt":1,"Notifications":[]}' \
        | openssl dgst -sha256 -hmac 3f8a1c6e9b2d47f0a5c8e1b4d7f02a6c
"""

from pathlib import Path

import pytest

from integrations.providers.marketingedge.signature import SIGNATURE_HEADER, signature, signature_valid

SECRET = "3f8a1c6e9b2d47f0a5c8e1b4d7f02a6c"
FIXTURE = Path(__file__).parents[1] / "fixtures" / "marketingedge" / "CallDetails.CallPreprocessed__seed.json"
FIXTURE_SIGNATURE = "sha256=e35e2bf7bb8cb2b3d6ca7c898c18e09c3d6330b5caf9f1ff8d861a1b31db5a01"
SHORT_BODY = b'{"Id":"647e8029bf9e432582bd746e9f8ee6d9","Attempt":1,"Notifications":[]}'
SHORT_SIGNATURE = "sha256=1980e0555ca97d8fbc364174041c2aaa50b896f26d50fc81df5366083fdc04aa"


def test_known_answers():
    body = FIXTURE.read_bytes()

    assert signature(body, SECRET) == FIXTURE_SIGNATURE
    assert signature(SHORT_BODY, SECRET) == SHORT_SIGNATURE
    assert signature_valid(body, FIXTURE_SIGNATURE, SECRET)
    assert signature_valid(SHORT_BODY, SHORT_SIGNATURE, SECRET)
    assert SIGNATURE_HEADER == "ms-signature"


def test_hex_in_either_case_and_surrounding_spaces_are_accepted():
    upper = "sha256=" + FIXTURE_SIGNATURE.removeprefix("sha256=").upper()  # as in the seed's captured request

    assert signature_valid(FIXTURE.read_bytes(), upper, SECRET)
    assert signature_valid(FIXTURE.read_bytes(), f" {FIXTURE_SIGNATURE}\t", SECRET)
    assert signature_valid(SHORT_BODY, "SHA256=" + SHORT_SIGNATURE.removeprefix("sha256="), SECRET)


@pytest.mark.parametrize(
    ("body", "header", "secret"),
    [
        (SHORT_BODY, SHORT_SIGNATURE[:-1] + "b", SECRET),  # near miss: last character changed
        (SHORT_BODY, SHORT_SIGNATURE, SECRET[:-1] + "d"),  # near miss: the secret's last character
        (SHORT_BODY + b"\n", SHORT_SIGNATURE, SECRET),  # one byte more in the body
        (SHORT_BODY, SHORT_SIGNATURE.removeprefix("sha256="), SECRET),  # no prefix
        (SHORT_BODY, "sha1=" + SHORT_SIGNATURE.removeprefix("sha256="), SECRET),
        (SHORT_BODY, SHORT_SIGNATURE[:-2], SECRET),  # truncated
        (SHORT_BODY, SHORT_SIGNATURE + "00", SECRET),
        (SHORT_BODY, "sha256=" + "g" * 64, SECRET),
        (SHORT_BODY, "", SECRET),
        (SHORT_BODY, SHORT_SIGNATURE, ""),  # no secret: nothing is valid
        (SHORT_BODY, None, SECRET),
    ],
)
def test_anything_else_is_invalid(body, header, secret):
    assert not signature_valid(body, header, secret)
