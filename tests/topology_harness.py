"""claimflow's many-box topology made of processes on 127.0.0.1, for tests: `prefect server start` on a PostgreSQL
database, claimflow's CLI and Prefect workers as subprocesses (the databases and the S3 endpoint come from conftest:
``fresh_database``, ``s3_endpoint``). Not a test module.

Every process is started in its own process group (so a worker's flow-run processes go with it), logs to a file,
and is stopped — SIGTERM, then SIGKILL after a grace period — when the ``Topology`` closes, whatever happened.
Waits are bounded and say what they waited for; a process that dies while waited for fails the wait with its log.
"""

from __future__ import annotations

import base64
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TypeVar

import httpx
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
T = TypeVar("T")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(what: str, check: Callable[[], T | None], timeout: float, *, poll: float = 0.5,
             alive: Callable[[], None] = lambda: None) -> T:
    """Call ``check`` until it returns something other than None; ``alive`` raises if what we wait on died."""
    deadline = time.monotonic() + timeout
    while True:
        alive()
        result = check()
        if result is not None:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up after {timeout:g} s waiting for {what}")
        time.sleep(poll)


@dataclass
class Proc:
    """A subprocess in its own process group, logging to ``log``."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    _file: IO[bytes]

    def alive(self) -> None:
        """Raise, with the end of its log, if the process has exited."""
        code = self.popen.poll()
        if code is not None:
            raise RuntimeError(f"{self.name} exited with {code}:\n{tail(self.log)}")

    def stop(self, grace: float = 15.0) -> None:
        if self.popen.poll() is None:
            _signal_group(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(grace)
            except subprocess.TimeoutExpired:
                _signal_group(self.popen.pid, signal.SIGKILL)
                self.popen.wait(10)
        # children left in the group (a flow run a worker started) go too
        _signal_group(self.popen.pid, signal.SIGKILL)
        self._file.close()


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError as e:
        return f"(no log: {e})"


@dataclass
class Topology:
    """The processes of one topology and the environment they share. Use as a context manager."""

    workdir: Path
    env: dict[str, str]
    procs: list[Proc] = field(default_factory=list)
    _stack: ExitStack = field(default_factory=ExitStack)

    def __enter__(self) -> Topology:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            for p in reversed(self.procs):  # workers before the server they talk to
                p.stop()
        finally:
            self._stack.close()

    def enter(self, cm: AbstractContextManager[T]) -> T:
        """Enter a context manager that closes with the topology (after its processes have stopped)."""
        return self._stack.enter_context(cm)

    def defer(self, fn: Callable[[], object]) -> None:
        """Call ``fn`` when the topology closes (after its processes have stopped, before earlier ``enter``s close)."""
        self._stack.callback(fn)

    def start(self, name: str, argv: list[str], extra_env: Mapping[str, str] | None = None) -> Proc:
        log = self.workdir / "logs" / f"{name}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        f = log.open("ab")
        popen = subprocess.Popen(argv, cwd=self.workdir, env={**self.env, **(extra_env or {})}, stdout=f,
                                 stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        proc = Proc(name, popen, log, f)
        self.procs.append(proc)
        return proc

    def run(self, name: str, argv: list[str], timeout: float = 300.0) -> str:
        """Run a command to completion in the topology's environment; its output, or an error naming it."""
        proc = self.start(name, argv)
        try:
            proc.popen.wait(timeout)
        except subprocess.TimeoutExpired as e:
            raise TimeoutError(f"`{' '.join(argv)}` did not finish in {timeout:g} s:\n{tail(proc.log)}") from e
        finally:
            proc.stop()
            self.procs.remove(proc)
        output = proc.log.read_text(errors="replace")
        if proc.popen.returncode != 0:
            raise RuntimeError(f"`{' '.join(argv)}` exited with {proc.popen.returncode}:\n{output[-4000:]}")
        return output

    def claimflow(self, *args: str, timeout: float = 300.0) -> str:
        return self.run(f"claimflow-{args[0]}", [sys.executable, "-m", "claimflow.cli.main", *args], timeout)

    def log_tails(self, lines: int = 60) -> str:
        logs = sorted((self.workdir / "logs").glob("*.log"))
        return "\n\n".join(f"==== {p.name}\n{tail(p, lines)}" for p in logs)


def base_env(workdir: Path, **extra: str) -> dict[str, str]:
    """This interpreter's environment without any CLAIMFLOW_*/PREFECT_* of the caller, running this checkout's code,
    with Prefect's home, profile and logs inside ``workdir``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLAIMFLOW_", "PREFECT_"))}
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        PYTHONPATH=os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]),
        PREFECT_HOME=str(workdir / "prefect-home"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_LOGGING_LEVEL="INFO",
        # Every machine of one deployment holds the same master key (docs/privacy.md), here from the environment.
        CLAIMFLOW_KEY_PROVIDER="env",
        CLAIMFLOW_MASTER_KEY=base64.b64encode(os.urandom(32)).decode(),
    )
    env.update(extra)
    return env


def start_prefect_server(top: Topology, database_url: str, timeout: float = 180.0) -> str:
    """`prefect server start` on ``database_url`` (a PostgreSQL URL; the server uses asyncpg) on a free port;
    returns its API URL once ``/api/health`` answers."""
    url = make_url(database_url).set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    port = free_port()
    proc = top.start("prefect-server", [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port",
                                        str(port), "--no-ui"],
                     {"PREFECT_API_DATABASE_CONNECTION_URL": url, "PREFECT_UI_ENABLED": "false"})
    api = f"http://127.0.0.1:{port}/api"

    def healthy() -> bool | None:
        try:
            return True if httpx.get(f"{api}/health", timeout=2).status_code == 200 else None
        except httpx.HTTPError:
            return None

    wait_for(f"Prefect's server at {api}", healthy, timeout, alive=proc.alive)
    return api


def start_worker(top: Topology, pool: str, name: str, limit: int, **env: str) -> Proc:
    """`prefect worker start --pool POOL --name NAME --limit LIMIT`: a process worker polling every second, with
    ``env`` on top of the topology's environment (its flow-run processes inherit it)."""
    return top.start(name, [str(BIN / "prefect"), "worker", "start", "--pool", pool, "--name", name, "--type",
                            "process", "--limit", str(limit)],
                     {"PREFECT_WORKER_QUERY_SECONDS": "1", "PREFECT_WORKER_PREFETCH_SECONDS": "5", **env})
