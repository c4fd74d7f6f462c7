"""Untrusted input made safe to parse and to store, for every provider.

- `json_parse`: JSON as a provider may send it, refused (`UntrustedJson`) when it is not JSON, is
  nested deeper than we ever need, or holds numbers that no column or JSON store can keep
  (NaN, Infinity, 1e400, integers of thousands of digits).
- `storable_text` / `storable_json`: text that PostgreSQL accepts: no NUL characters (text and
  jsonb refuse them) and no lone UTF-16 surrogates (they cannot be encoded as UTF-8).
"""

import json
import math
from typing import Any

MAX_JSON_DEPTH = 32


class UntrustedJson(ValueError):
    """The body cannot be accepted as JSON; the message says why, without quoting it."""


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise UntrustedJson("A number in the body is too large.")
    return value


def _no_constants(name: str) -> None:
    raise UntrustedJson(f"{name} is not a JSON number.")


def json_depth(value: Any) -> int:
    """How deeply arrays and objects nest (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def json_parse(raw: bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    try:
        value = json.loads(raw, parse_float=_finite_float, parse_constant=_no_constants)
    except UntrustedJson:
        raise
    except RecursionError:
        raise UntrustedJson(f"The body nests deeper than {max_depth} levels.") from None
    except (ValueError, UnicodeDecodeError):
        # ValueError covers integers longer than Python's 4,300-digit conversion limit too.
        raise UntrustedJson("The body is not valid JSON.") from None
    if json_depth(value) > max_depth:
        raise UntrustedJson(f"The body nests deeper than {max_depth} levels.")
    return value


def storable_text(value: str) -> str:
    """`value` without NUL characters and with lone surrogates replaced, so any database stores it."""
    text = value.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-16", errors="surrogatepass").decode("utf-16", errors="replace")  # -> U+FFFD
    return text


def storable_json(value: Any) -> Any:
    """A parsed JSON value with every string (keys too) made storable. Depth is bounded by `json_parse`."""
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, list):
        return [storable_json(item) for item in value]
    if isinstance(value, dict):
        return {storable_text(str(key)): storable_json(item) for key, item in value.items()}
    return value
