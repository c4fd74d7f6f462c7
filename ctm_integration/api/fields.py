"""Input fields that accept exactly what the API schema says they accept.

DRF is lenient where a contract must not be: `CharField` turns `0` into `"0"`, `BooleanField` takes
`"yes"` and `1`, and trimming whitespace makes `"  "` blank although it is a non-empty string. These
fields take a JSON value of the declared type only, and state the rest of their rule as a `pattern`
(no NUL; something besides whitespace unless blank is allowed), so the OpenAPI schema says exactly
what is refused with a 400.
"""

import re
from decimal import Decimal
from typing import Any

from django.core.validators import RegexValidator
from rest_framework import serializers
from rest_framework.fields import empty

# Unicode's White_Space characters, spelled out so that Python and every JSON Schema regex engine
# agree on them (Python's `\s` and `str.strip()` also count the separators U+001C..U+001F).
WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"
)
_WS = "".join(f"\\u{ord(c):04x}" for c in WHITESPACE)

NO_NUL = r"^[^\u0000]+$"  # with blank allowed, the schema adds "" as the other choice
VISIBLE = rf"^[^\u0000]*[^\u0000{_WS}][^\u0000]*$"  # something besides whitespace, and no NUL


class JsonStringMixin:
    """Only a JSON string is a string: `0`, `1.5` and `true` are refused instead of converted."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictCharField(JsonStringMixin, serializers.CharField):
    """A string without NUL and, where blank is refused and whitespace is trimmed, with something besides
    whitespace in it. Length is checked as sent; surrounding whitespace is trimmed after validation
    (unless `trim_whitespace=False`, e.g. for passwords)."""

    def __init__(self, **kwargs: Any) -> None:
        self.strip = kwargs.pop("trim_whitespace", True)
        super().__init__(trim_whitespace=False, **kwargs)  # DRF would trim before validating
        pattern = VISIBLE if self.strip and not self.allow_blank else NO_NUL
        self.validators.append(RegexValidator(re.compile(pattern)))

    def run_validation(self, data: Any = empty) -> Any:
        value = super().run_validation(data)
        return value.strip(WHITESPACE) if self.strip and isinstance(value, str) else value


class StrictRegexField(JsonStringMixin, serializers.RegexField):
    """A string matching `regex` exactly as sent (nothing is trimmed before the match)."""

    def __init__(self, regex: str, **kwargs: Any) -> None:
        kwargs["trim_whitespace"] = False
        super().__init__(regex, **kwargs)


class StrictUUIDField(JsonStringMixin, serializers.UUIDField):
    """A UUID written as a string (DRF also takes an integer)."""


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer (DRF also takes "5", 5.0 and true)."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """`true` or `false` in a JSON body (DRF also takes "yes", "on", 1...)."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StrictDecimalStringField(StrictRegexField):
    """A decimal >= 0 written as a JSON string, the way the API writes decimals: "1250", "1250.5" or
    "1250.50", at most `max_digits` digits of which `decimal_places` after the point (no sign, no
    exponent, ASCII digits only, so that the schema's pattern says exactly what is taken). Gives a
    `Decimal`."""

    def __init__(self, *, max_digits: int, decimal_places: int, **kwargs: Any) -> None:
        whole = max_digits - decimal_places
        super().__init__(rf"^[0-9]{{1,{whole}}}(\.[0-9]{{1,{decimal_places}}})?$", **kwargs)

    def run_validation(self, data: Any = empty) -> Any:
        if isinstance(data, str) and data.endswith("\n"):
            self.fail("invalid")  # Python's `$` also matches before a final newline; the schema's does not
        value = super().run_validation(data)
        return Decimal(value) if isinstance(value, str) else value
