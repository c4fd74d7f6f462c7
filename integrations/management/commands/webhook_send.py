"""Send a realistic, correctly signed delivery of any provider to a webhook URL: for demos, and for
people wiring a provider up. The body is the provider's sample for that event (or --file), signed
as that provider signs (with --secret), with the extra headers or login the endpoint expects.

    python manage.py webhook_send marketingedge CallDetails.CallProcessed \\
        --to http://127.0.0.1:8000/v1/e/marketingedge/webhook/<id>/ --secret <signing secret>
"""

import base64
from pathlib import Path
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from integrations.providers.registry import PROVIDERS, UnknownProvider, provider_for


class Command(BaseCommand):
    help = "Send a provider's sample delivery for an event, signed as the provider signs it."

    def add_arguments(self, parser) -> None:
        parser.add_argument("provider", choices=[p.slug for p in PROVIDERS])
        parser.add_argument("event", help="One of the provider's events with a sample (see --list)")
        parser.add_argument("--to", required=True, help="The endpoint's URL")
        parser.add_argument("--secret", default="", help="The endpoint's signing secret (providers that sign)")
        parser.add_argument("--file", default="", help="Send this JSON file instead of the sample")
        parser.add_argument("--login", default="", help="user:password for Basic auth")
        parser.add_argument("--header", action="append", default=[], help="Name: value (repeatable)")
        parser.add_argument("--token", default="", help="Add ?token=<this> (query-token endpoints)")

    def handle(self, *args, provider: str, event: str, to: str, secret: str, file: str, login: str, **options):
        try:
            spec = provider_for(provider)
        except UnknownProvider as exc:
            raise CommandError(str(exc)) from None
        sample = file or spec.samples.get(event)
        if not sample:
            choices = ", ".join(spec.samples) or "none"
            raise CommandError(f"No sample for {spec.name} event {event!r}; samples: {choices} (or --file).")
        path = Path(sample) if Path(sample).is_absolute() else Path(settings.BASE_DIR) / sample
        body = path.read_bytes()
        headers = {"Content-Type": "application/json"}
        if spec.sign is not None:
            if not secret:
                raise CommandError(f"{spec.name} signs its deliveries: give the endpoint's --secret.")
            headers.update(spec.sign(body, secret))
        if login:
            headers["Authorization"] = "Basic " + base64.b64encode(login.encode()).decode()
        for header in options["header"]:
            name, _, value = header.partition(":")
            headers[name.strip()] = value.strip()
        query = {"event": event} if spec.features.get("event_urls") else {}  # one URL per event
        if options["token"]:
            query["token"] = options["token"]
        if query:
            to += ("&" if "?" in to else "?") + urlencode(query)
        response = requests.post(to, data=body, headers=headers, timeout=15)
        self.stdout.write(f"{response.status_code} {response.text[:2000]}")
        if response.status_code >= 400:
            raise CommandError(f"{spec.name} delivery answered {response.status_code}.")
