"""Real Celery processes (worker, beat) started as `bin/run` starts them, their output in a file."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class CeleryProcess:
    def __init__(self, *args: str, env: dict[str, str], log: Path, cwd: Path = ROOT):
        self.log = log
        with log.open("w") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "ctm_integration", *args, "--loglevel=INFO"],
                cwd=cwd,
                env={**env, "PYTHONPATH": str(ROOT)},
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    @property
    def output(self) -> str:
        return self.log.read_text()

    def stop(self) -> int:
        self.process.terminate()
        try:
            return self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


def zero_config_env(*, state_dir: Path, database_url: str, encryption_key: str, **extra: str) -> dict[str, str]:
    """The environment of `bin/run` without configuration: no REDIS_URL, so the embedded filesystem broker
    in the state directory (the database is the tests' PostgreSQL: the processes share it with the test)."""
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DJANGO_ENV", "EMAIL_HOST"}}
    return {
        **env,
        "LOCAL_STATE_DIR": str(state_dir),
        "DATABASE_URL": database_url,
        "FIELD_ENCRYPTION_KEY": encryption_key,
        "DB_CONN_MAX_AGE": "0",
        **extra,
    }
