"""A progress bar for management commands that run for minutes (rollup rebuild and check)."""

from __future__ import annotations

from typing import TextIO

BAR_WIDTH = 30


class ProgressBar:
    """Called with (done, total, label). On a terminal it redraws one line in place;
    elsewhere (a log file, CI) it writes a line per step, which reads better there."""

    def __init__(self, stream: TextIO, *, what: str) -> None:
        self.stream, self.what = stream, what
        self.interactive = stream.isatty()

    def __call__(self, done: int, total: int, label: str) -> None:
        filled = BAR_WIDTH * done // total if total else BAR_WIDTH
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        line = f"[{bar}] {done}/{total} {self.what} {label}".rstrip()
        if self.interactive:
            self.stream.write("\r" + line + ("\n" if done == total else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
