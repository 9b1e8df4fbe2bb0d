"""`claimflow watch [DIR]`: the watched folder for claims staff (docs/watched-folder.md)."""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from types import FrameType

import typer

from claimflow.cli.common import console, handle_errors, print_json_line, settings
from claimflow.errors import ConfigurationError


def register(app: typer.Typer) -> None:
    @app.command("watch")
    @handle_errors
    def watch_cmd(
        folder: Path | None = typer.Argument(
            None, help="The watched folder (inbox/, processing/, done/, failed/ under it). Default CLAIMFLOW_WATCH_DIR."
        ),
        poll: float | None = typer.Option(
            None, "--poll", min=0.1, metavar="SECONDS",
            help="Poll every SECONDS instead of waiting for file events: for network shares (SMB/CIFS, NFS), where "
            "events never come. Default CLAIMFLOW_WATCH_POLL, else native events.",
        ),
        status: bool = typer.Option(False, "--status", help="Print queue depth, in flight, done and failed today."),
        json_out: bool = typer.Option(False, "--json", help="With --status: one JSON object."),
    ) -> None:
        """Decide every document dropped into DIR/inbox/: results in done/, refusals with the reason in failed/."""
        from flows.intake import Layout, status as folder_status

        s = settings()
        root = folder or s.watch_root
        if status:
            counts = folder_status(Layout(root), s)
            if json_out:
                print_json_line(counts.to_json_dict())
            else:
                console.print(f"queued {counts.queued}  in flight {counts.in_flight}  done today {counts.done_today}"
                              f"  failed today {counts.failed_today}  watchers running {counts.watchers}",
                              highlight=False)
            return
        if root.exists() and not root.is_dir():
            raise ConfigurationError(f"{root} is not a folder", hint="pass the folder to watch, or set "
                                     "CLAIMFLOW_WATCH_DIR")
        from flows.watcher import Watcher

        logging.getLogger("flows.watcher").setLevel(logging.INFO)
        stop = threading.Event()

        def _stop(signum: int, _frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        Watcher(s, root, poll=poll).run(stop)
