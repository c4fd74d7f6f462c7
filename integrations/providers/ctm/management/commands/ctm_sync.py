from datetime import date

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from integrations.providers.ctm.errors import CtmError
from integrations.providers.ctm.sync import (
    SyncProgress,
    call_sync_targets_refresh,
    ctm_calls_sync,
    sync_lease_release,
    sync_lease_take,
)


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
            # The bar owns the terminal's last line; log records are printed above it, never glued to it.
            with logging_redirect_tqdm(), tqdm(unit="day", file=self.stdout, dynamic_ncols=True) as bar:
                try:
                    result = ctm_calls_sync(
                        state=state,
                        since=options["since"],
                        until=options["until"],
                        progress=lambda progress: self._advance(bar, progress),
                    )
                except CtmError as exc:
                    raise CommandError(f"Stopped: {exc} (progress so far is kept; run again to resume).") from None
                finally:
                    sync_lease_release(state=state)
            self.stdout.write(
                f"Done: {result.calls_seen} calls read, {result.calls_changed} new or changed, {result.days_done} days."
            )

    @staticmethod
    def _advance(bar: tqdm, progress: SyncProgress) -> None:
        bar.total = progress.days_total
        bar.n = progress.days_done
        bar.set_postfix_str(f"{progress.day}  {progress.calls_seen} calls", refresh=False)
        bar.refresh()
