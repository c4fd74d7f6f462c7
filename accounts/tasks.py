"""Thin tasks over accounts' housekeeping."""

from celery import shared_task
from django.core.management import call_command


@shared_task(name="accounts.tasks.jwt_tokens_flush_expired")
def jwt_tokens_flush_expired() -> None:
    """Every login and refresh records a token for the blacklist; expired ones can go."""
    call_command("flushexpiredtokens")
