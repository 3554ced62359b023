"""The coordinator's clock: real UTC time, optionally moved forward by an offset read from a file.

The offset file is for tests and rehearsals of long waits (a 20-day notice): writing a number of
seconds to it moves every later reading of this clock, with no restart.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path


class OffsetClock:
    def __init__(self, offset_file: Path | None = None):
        self.offset_file = offset_file

    def offset(self) -> dt.timedelta:
        if self.offset_file is None:
            return dt.timedelta(0)
        try:
            return dt.timedelta(seconds=float(self.offset_file.read_text().strip() or 0))
        except (OSError, ValueError):
            return dt.timedelta(0)

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(dt.timezone.utc) + self.offset()
