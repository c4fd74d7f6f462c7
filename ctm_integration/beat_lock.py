"""One Celery beat per state directory (LOCAL_STATE_DIR), so periodic tasks never run twice.

A second `bin/run` (another port, the same checkout) or a stray `celery beat` would otherwise schedule
every periodic task a second time. The beat process holds an exclusive `flock` on `beat.lock` in the
state directory from its start to its end (the kernel releases it when the process dies, however it
dies). A beat that finds the lock taken says so, stands by, and takes over when the holder stops.

It guards one machine. Across machines (production) run exactly one beat: see the README.
"""

import fcntl
import logging
import os
import time
from pathlib import Path
from typing import IO

from django.conf import settings

logger = logging.getLogger(__name__)

STANDBY_POLL_SECONDS = 1.0


class BeatLock:
    def __init__(self) -> None:
        self.handle: IO[str] | None = None  # open for as long as this process is the beat

    @staticmethod
    def path() -> Path:
        return Path(settings.LOCAL_DIR) / "beat.lock"

    def hold(self, **_signal_kwargs) -> None:
        """`beat_init` receiver: returns once this process holds the lock, before beat's first tick."""
        try:
            self.path().parent.mkdir(parents=True, exist_ok=True)
            handle = open(self.path(), "a+")  # noqa: SIM115 - kept open for the life of the process
        except OSError as exc:
            logger.warning("Cannot create %s (%s): nothing stops a second beat on this machine.", self.path(), exc)
            return
        if not self._try_lock(handle):
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            logger.warning(
                "Another Celery beat (pid %s) already schedules the periodic tasks for %s. This beat stands by "
                "and takes over when that one stops, so periodic tasks never run twice.",
                holder,
                self.path().parent,
            )
            while not self._try_lock(handle):
                time.sleep(STANDBY_POLL_SECONDS)
            logger.warning(
                "The other Celery beat stopped: this one (pid %s) now schedules the periodic tasks.", os.getpid()
            )
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self.handle = handle

    @staticmethod
    def _try_lock(handle: IO[str]) -> bool:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


beat_lock = BeatLock()
