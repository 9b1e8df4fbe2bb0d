"""`claimflow serve` (claimflow's deployments, served here, with the HTTP API, the console and the watched folder),
`claimflow deploy` (registered for a process work pool) and `claimflow retry` (run claims that failed for a transient
reason again). See docs/orchestration.md."""

from __future__ import annotations

import getpass
import threading

import typer

from claimflow.cli.common import console, err_console, handle_errors, print_json_line, settings
from claimflow.errors import ConfigurationError, ExitCode
from claimflow.settings import Settings


def register(app: typer.Typer) -> None:
    @app.command("serve")
    @handle_errors
    def serve_cmd(
        workers: int | None = typer.Option(None, "--workers", min=1, help="Flow runs at once (default "
                                           "CLAIMFLOW_WORKERS)."),
        host: str = typer.Option("127.0.0.1", "--host", help="Address the HTTP API and console listen on."),
        port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port of the HTTP API and console."),
        api: bool = typer.Option(True, "--api/--no-api", help="Serve the HTTP API and console (docs/api.md)."),
        watch: bool = typer.Option(True, "--watch/--no-watch", help="Watch the folder CLAIMFLOW_WATCH_DIR "
                                   "(docs/watched-folder.md); its claims run as runs of the claim deployment."),
    ) -> None:
        """Serve claimflow's deployments (claim, claim-batch) on this machine until interrupted.

        Uses the Prefect API of PREFECT_API_URL (a `prefect server start`); `claimflow process --server URL`, the
        watched folder and the API trigger runs on it."""
        from functools import partial

        from flows.deployments import Component, prefect_api_url, serve
        from flows.webhooks import run_deliveries

        if not prefect_api_url():
            err_console.print("[yellow]warning[/]: PREFECT_API_URL is not set: serving on a private ephemeral Prefect "
                              "server no other process can trigger. Start `prefect server start` and set "
                              "PREFECT_API_URL (docs/orchestration.md).", highlight=False)
        s = settings()
        if workers is not None:
            s = s.model_copy(update={"workers": workers})
        components = [Component("webhooks", partial(run_deliveries, s))]  # webhook deliveries (docs/webhooks.md)
        if watch:
            from flows.watch_runner import DispatchRunner
            from flows.watcher import Watcher

            components.append(Component("watch", Watcher(s, runner=DispatchRunner(s)).run))
        if api:
            components.append(Component("api", partial(_serve_api, s, host, port)))
        err_console.print(f"serving claimflow deployments, {s.workers} run(s) at once"
                          + (f"; API and console on http://{host}:{port}" if api else "")
                          + (f"; watching {s.watch_root}" if watch else "") + "; Ctrl-C stops", highlight=False)
        serve(s, components)

    @app.command("deploy")
    @handle_errors
    def deploy_cmd(
        work_pool: str = typer.Option(..., "--work-pool", help="Prefect process work pool (created if missing)."),
    ) -> None:
        """Register claimflow's deployments for a process work pool: `prefect worker start --pool NAME` on any
        machine with claimflow installed and CLAIMFLOW_* set then runs them."""
        from flows.deployments import deploy

        ids = deploy(settings(), work_pool)
        console.print(f"registered {len(ids)} deployments for work pool {work_pool}: claim/claim, "
                      "claim-batch/claim-batch", highlight=False)

    @app.command("retry")
    @handle_errors
    def retry_cmd(
        claims: list[str] = typer.Argument(None, help="Claim ids to run again from their last completed stage."),
        transient: bool = typer.Option(False, "--transient", help="Every claim that failed for a transient reason."),
        tenant: str | None = typer.Option(None, help="With --transient: only this tenant's claims."),
        server: str | None = typer.Option(None, "--server", help="Prefect API URL with claimflow's deployments "
                                          "(default CLAIMFLOW_SERVER); else the claims run here."),
        timeout: float = typer.Option(3600.0, help="With a server: seconds to wait for the claims."),
        json_out: bool = typer.Option(False, "--json", help="One JSON object per claim on stdout."),
    ) -> None:
        """Run claims again that are not final (failed_transient, or stopped by a crash). Decided claims and
        invalid input are never re-run. Each attempt is audited (claim.retried)."""
        from claimflow.cli.pipeline import _prefect_defaults
        from claimflow.cli.privacy import account_reads
        from flows import dispatch, stages
        from flows.runtime import sessions_for

        s = settings()
        ids = list(claims or [])
        if transient:
            ids += [c for c in dispatch.transient_claims(s, tenant) if c not in ids]
        if not ids:
            if not transient:
                raise ConfigurationError("nothing to retry", hint="give claim ids, or --transient")
            err_console.print("no claims are waiting in failed_transient")
            return
        _prefect_defaults(False)
        who = f"cli:{getpass.getuser()}"
        admissions = [dispatch.reopen(s, c, actor=who) for c in ids]
        todo = [a for a in admissions if a.needs_run]
        url = server or s.server
        if todo and url and dispatch.server_ready(url) is None:
            with dispatch.server(url):
                for a in todo:
                    dispatch.trigger(a.ref, attempt=a.attempt)
            dispatch.wait_all(s, [a.ref for a in todo], timeout)
        elif todo:
            dispatch.run_batch(s, todo)
        failed = False
        for a in admissions:
            ctx = stages.Context.for_worker(s, sessions_for(s), a.ref.tenant)
            r = stages.summarize(ctx, stages.load(ctx, a.ref.claim_id, a.ref.document_sha256), file=a.ref.claim_id)
            failed = failed or r.outcome is None
            if json_out:  # shows the member id read off the stored claim: an accounted read
                account_reads(ctx.sessions, ctx.tenant, [a.ref.claim_id], "claimflow retry --json")
                print_json_line(r.to_json_dict())
            else:
                note = f" ({r.error_kind})" if r.error_kind else ""
                console.print(f"{a.ref.claim_id}: {r.status}{note}", highlight=False)
        if failed:
            raise typer.Exit(int(ExitCode.flow_failed))


def _serve_api(settings: Settings, host: str, port: int, stop: threading.Event) -> None:
    """The HTTP API and console (uvicorn, no access log: paths carry claim ids) until ``stop`` is set."""
    import uvicorn

    from api.main import create_app

    server = uvicorn.Server(uvicorn.Config(create_app(settings), host=host, port=port, access_log=False,
                                           log_level="warning"))

    def _stop_when_asked() -> None:
        stop.wait()
        server.should_exit = True

    threading.Thread(target=_stop_when_asked, name="claimflow-api-stop", daemon=True).start()
    server.run()
