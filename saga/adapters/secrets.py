"""Secrets the coordinator keeps in its data directory: created on first start, readable by its user only."""
from __future__ import annotations

import os
import secrets
import time
from pathlib import Path


def secret_file(path: Path, size: int = 32) -> bytes:
    """The secret in `path`, made (0600, exclusively, so processes starting together agree) if absent."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another process made it first and may still be writing it
            if len(secret := path.read_bytes()) >= size:
                return secret
            time.sleep(0.02)
        raise RuntimeError(f"{path} holds less than {size} bytes; delete it to have a new one made") from None
    secret = secrets.token_bytes(size)
    with os.fdopen(fd, "wb") as out:
        out.write(secret)
    return secret
