"""Development secrets: generated once, then kept in a git-ignored file so they survive restarts."""

import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet


def local_secret(path: Path, *, kind: str) -> str:
    """Return the secret stored at `path`, creating it first if it does not exist yet."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = Fernet.generate_key().decode() if kind == "fernet" else secrets.token_urlsafe(50)
    # O_EXCL: when web, worker and beat start together, exactly one of them writes the file.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value
