"""Numbers people read at a glance: 12,345 calls, 62.3 %, 3:07 of talk, 5 min ago."""

from datetime import datetime, timedelta

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def thousands(value) -> str:
    """12345 -> "12,345"."""
    if value is None or value == "":
        return "—"
    return f"{value:,}"


@register.filter
def percent(ratio) -> str:
    """0.6234 -> "62.3 %" (the API's answer_rate is a ratio)."""
    if ratio is None:
        return "—"
    return f"{ratio * 100:.1f} %"


@register.filter
def seconds(value) -> str:
    """187 -> "3:07"; 3725 -> "1:02:05" (talk time)."""
    if value is None:
        return "—"
    total = round(value)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def span(delta: timedelta | None) -> str:
    """A duration in its two largest units: "45 s", "5 min", "2 h 05 min", "3 d 4 h"."""
    if delta is None:
        return "—"
    total = max(0, int(delta.total_seconds()))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes:02d} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min"
    return f"{secs} s"


@register.filter
def ago(moment: datetime | None) -> str:
    """How long ago, in the same words as `span`: "5 min ago", "just now"."""
    if moment is None:
        return "—"
    delta = timezone.now() - moment
    return "just now" if delta < timedelta(minutes=1) else f"{span(delta)} ago"
