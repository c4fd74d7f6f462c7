"""Phone numbers in one form (E.164) so that numbers from CTM, users and webhooks compare equal."""

import re

E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def to_e164(raw: str, *, default_country_code: str = "1") -> str:
    """'(555) 987-6543', '15559876543', '+1 555 987 6543' -> '+15559876543'; ValueError if not a number."""
    text = str(raw).strip()
    digits = re.sub(r"\D", "", text)
    if text.startswith("+"):
        candidate = f"+{digits}"
    elif len(digits) == 10 and default_country_code == "1":
        candidate = f"+1{digits}"
    elif len(digits) == 11 and digits.startswith("1"):
        candidate = f"+{digits}"
    else:
        candidate = f"+{digits}"
    if not E164.match(candidate):
        raise ValueError(f"{raw!r} is not a phone number (use E.164, e.g. +15559876543).")
    return candidate
