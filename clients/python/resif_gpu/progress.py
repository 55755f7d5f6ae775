"""A dependency-free progress bar for terminals and notebooks: ``client.reduce(..., progress=True)``."""

from __future__ import annotations

import sys
import time
from typing import TextIO


def _size(nbytes: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if nbytes < 1000 or unit == "GB":
            return f"{nbytes:.0f} {unit}" if unit == "B" else f"{nbytes:.1f} {unit}"
        nbytes /= 1000
    raise AssertionError("unreachable")


class ProgressBar:
    """Called as ``bar(fraction, bytes_sent)``; redraws one line (``\\r``) with the percentage, bytes and an ETA
    from the pace so far, and ends the line when the fraction reaches 1."""

    def __init__(self, stream: TextIO | None = None, width: int = 30):
        self._stream = stream or sys.stderr
        self._width = width
        self._started = time.monotonic()
        self.last_line = ""

    def __call__(self, fraction: float, bytes_sent: int) -> None:
        fraction = min(max(fraction, 0.0), 1.0)
        filled = int(round(fraction * self._width))
        elapsed = time.monotonic() - self._started
        eta = elapsed * (1 - fraction) / fraction if fraction > 0 else float("nan")
        eta_text = "done" if fraction >= 1 else ("ETA ?" if eta != eta else f"ETA {eta:.0f} s")
        self.last_line = f"[{'#' * filled}{'.' * (self._width - filled)}] {fraction * 100:5.1f}% {_size(bytes_sent)} {eta_text}"
        self._stream.write("\r" + self.last_line + ("\n" if fraction >= 1 else ""))
        self._stream.flush()
