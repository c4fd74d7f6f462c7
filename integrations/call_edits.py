"""What people edit by hand on a call (the API's PATCH, the admin): its tags, sale value and notes.

Providers' data never writes these fields, and these edits never touch the provider's. An edit that
changes something is published on the seam as a `MANUAL` change (news: it is what the `manual_update`
and `sale` triggers of outbound webhooks watch); one that changes nothing publishes nothing.
"""

import logging
from collections.abc import Iterable
from decimal import Decimal
from enum import Enum
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import transaction
from django.utils import timezone

from integrations.call_changes import Origin, call_changes_publish
from integrations.call_services import call_change, call_snapshot
from integrations.models import Call

logger = logging.getLogger(__name__)

MAX_TAGS = 50
MAX_TAG_LENGTH = 64
MAX_NOTES_LENGTH = 10_000
EDITABLE_FIELDS = ("tags", "sale_value", "notes")


class Unchanged(Enum):
    """A field the edit leaves as it is (None is a value: `sale_value=None` clears the sale)."""

    UNCHANGED = "unchanged"


UNCHANGED = Unchanged.UNCHANGED


def tags_normalized(tags: Iterable[str]) -> list[str]:
    """Trimmed, blanks dropped, each tag once (the first spelling, in order)."""
    return list(dict.fromkeys(tag.strip() for tag in tags if tag.strip()))


def call_edit(
    *,
    call: Call,
    tags: list[str] | Unchanged = UNCHANGED,
    sale_value: Decimal | Unchanged | None = UNCHANGED,
    notes: str | Unchanged = UNCHANGED,
    edited_by: AbstractUser | None,
) -> Call:
    """Set what is given (validated by the caller: at most MAX_TAGS tags of MAX_TAG_LENGTH, a sale
    value >= 0 or None, notes of at most MAX_NOTES_LENGTH); return the call as stored now.
    `edited_by`: who edited it (logged; None for a script)."""
    edits: dict[str, Any] = {"tags": tags, "sale_value": sale_value, "notes": notes}
    edits = {name: value for name, value in edits.items() if value is not UNCHANGED}
    if "tags" in edits:
        edits["tags"] = tags_normalized(edits["tags"])
    with transaction.atomic():
        call = Call.objects.select_for_update(of=("self",)).select_related("account", "campaign").get(pk=call.pk)
        before = call_snapshot(call)
        for name, value in edits.items():
            setattr(call, name, value)
        changed = [name for name in EDITABLE_FIELDS if getattr(call, name) != before[name]]
        if not changed:
            return call
        call.updated_at = timezone.now()
        call.save(update_fields=[*changed, "updated_at"])
        call.refresh_from_db(fields=changed)  # as stored: a sale value of 12.5 reads 12.50
        logger.info("call %s edited by user %s: %s", call.pk, edited_by.pk if edited_by else None, ", ".join(changed))
        call_changes_publish(changes=[call_change(call=call, before=before, origin=Origin.MANUAL, now=timezone.now())])
    return call
