import sys
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from integrations.providers.ctm.errors import CtmError
from integrations.providers.ctm.sync import (
    SyncProgress,
    call_sync_targets_refresh,
    ctm_calls_sync,
    sync_lease_release,
    sync_lease_take,
)

BAR_WIDTH = 30


class Command(BaseCommand):
    help = "Backfill the local call store for one configured CTM account, from --since to today."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--account", required=True, help="The CTM account id (as configured).")
        parser.add_argument("--since", required=True, type=date.fromisoformat, help="First day, YYYY-MM-DD.")
        parser.add_argument("--until", type=date.fromisoformat, help="Last day, YYYY-MM-DD (default: tomorrow).")

    def handle(self, *args, **options) -> None:
        states = [s for s in call_sync_targets_refresh() if s.provider_account_id == options["account"]]
        if not states:
            raise CommandError(
                f"CTM account {options['account']} is not configured for any account "
                "(POST /v1/e/calltrackingmetrics/auth/config first)."
            )
        for state in states:
            if not sync_lease_take(state=state):
                raise CommandError(f"A sync of CTM account {state.provider_account_id} is already running.")
            self.stdout.write(f"Syncing CTM account {state.provider_account_id} for {state.account}:")
            try:
                result = ctm_calls_sync(
                    state=state, since=options["since"], until=options["until"], progress=self._draw
                )
            except CtmError as exc:
                raise CommandError(f"Stopped: {exc} (progress so far is kept; run again to resume).") from None
            finally:
                sync_lease_release(state=state)
            self.stdout.write(
                f"\nDone: {result.calls_seen} calls read, {result.calls_changed} new or changed, "
                f"{result.days_done} days."
            )

    def _draw(self, progress: SyncProgress) -> None:
        filled = int(BAR_WIDTH * progress.days_done / max(progress.days_total, 1))
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        line = f"\r[{bar}] {progress.days_done}/{progress.days_total} days  {progress.day}  {progress.calls_seen} calls"
        self.stdout.write(line, ending="")
        if hasattr(sys.stdout, "flush"):
            self.stdout.flush()
