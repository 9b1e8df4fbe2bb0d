"""Progress of `claimflow process`: a rich progress bar on a terminal (done / review / failed, rate, ETA), one plain
line per document otherwise, and nothing but JSON Lines with ``--json``. Thread-safe: results arrive from workers."""

from __future__ import annotations

import threading
import time
from types import TracebackType

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from claimflow.cli.common import err_console, print_json_line

REVIEW = {"pending_review"}
DECIDED = {"approved", "partially_approved", "denied"}


class Reporter:
    def __init__(self, total: int, *, json_out: bool, tty: bool) -> None:
        self.total = total
        self.json_out = json_out
        self.counts = {"done": 0, "review": 0, "failed": 0}
        self._results: dict[str, object] = {}
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._progress: Progress | None = None
        if tty and not json_out:
            self._progress = Progress(
                TextColumn("[bold]claims"), BarColumn(), MofNCompleteColumn(),
                TextColumn("[green]{task.fields[done]} done[/] [cyan]{task.fields[review]} review[/] "
                           "[red]{task.fields[failed]} failed[/]"),
                TextColumn("{task.fields[rate]}/h"), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                console=err_console, transient=False,
            )
            self._task = self._progress.add_task("claims", total=total, done=0, review=0, failed=0, rate="—")

    def __enter__(self) -> Reporter:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        if self._progress is not None:
            self._progress.stop()

    def add(self, result) -> None:  # type: ignore[no-untyped-def]  # flows.stages.ClaimResult
        with self._lock:
            self._results[result.file] = result
            status = result.status
            key = "review" if status in REVIEW else "done" if status in DECIDED else "failed"
            self.counts[key] += 1
            n = len(self._results)
            if self.json_out:
                print_json_line(result.to_json_dict())
            elif self._progress is not None:
                elapsed = max(time.monotonic() - self._started, 1e-6)
                self._progress.update(self._task, completed=n, rate=f"{n * 3600 / elapsed:,.0f}", **self.counts)
            else:
                outcome = result.outcome or status.upper()
                err_console.print(f"[{n}/{self.total}] {result.file}: {outcome}", highlight=False, soft_wrap=True)

    def results_in_order(self, files: list[str]) -> list:  # type: ignore[type-arg]
        return [self._results[f] for f in files if f in self._results]
