"""compose.yaml and the Dockerfile cannot run on the build machine (no Docker daemon): these tests keep them from
rotting. The services the production shape needs exist and depend on each other correctly, every CLAIMFLOW_*
variable is a claimflow setting and the values make valid Settings, every PREFECT_* variable is a Prefect setting,
the commands are claimflow's, and the image installs the Makefile's Debian packages on the Python pyproject wants."""

from __future__ import annotations

import importlib
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from claimflow.settings import Settings

REPO = Path(__file__).resolve().parent.parent
COMPOSE = REPO / "compose.yaml"
DOCKERFILE = REPO / "Dockerfile"
PG_INIT = REPO / "deploy" / "postgres-init.sh"
DOC = REPO / "docs" / "operations.md"

CLAIMFLOW_IMAGE_SERVICES = {"prefect-server", "init", "api", "watch", "serve", "deploy", "worker"}
# the services that take claims in or run them: they write the audit log and read or write originals
CLAIMS_HANDLERS = {"api", "watch", "serve", "worker"}
_VAR = re.compile(r"\$\{(?P<name>[A-Z0-9_]+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def services() -> dict[str, dict[str, Any]]:
    return compose()["services"]


def dotenv_in_doc() -> dict[str, str]:
    """The `.env` the operations doc tells an operator to write (the heredoc in "One box and many")."""
    block = re.search(r"cat > \.env <<'EOF'[^\n]*\n(.*?)\nEOF\n", DOC.read_text(), re.S)
    assert block, "docs/operations.md lost its .env example"
    env = {}
    for line in block.group(1).splitlines():
        name, _, value = line.partition("=")
        env[name.strip()] = value.split("#")[0].strip()
    return env


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's variable substitution: ${VAR}, ${VAR:-default}, ${VAR:?error}; `$$` is a literal `$`."""

    def sub(m: re.Match[str]) -> str:
        name, op, arg = m.group("name"), m.group("op"), m.group("arg")
        if env.get(name):
            return env[name]
        if op in (":-", "-"):
            return arg or ""
        raise AssertionError(f"compose.yaml needs {name} ({arg or 'no default'}) and the doc's .env does not set it")

    return _VAR.sub(sub, value.replace("$$", "\0")).replace("\0", "$")


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    assert isinstance(env, dict), "environment as a mapping, please (merge keys keep the shared block in one place)"
    filled = {k: "x" + "0" * 31 for k in dotenv_in_doc()}  # the doc's `...` placeholders: any URL-safe secret
    filled["CLAIMFLOW_WORKERS"] = dotenv_in_doc()["CLAIMFLOW_WORKERS"]
    return {k: interpolate(str(v), filled) for k, v in env.items()}


def command(service: dict[str, Any]) -> list[str]:
    cmd = service.get("command")
    return shlex.split(cmd) if isinstance(cmd, str) else list(cmd or [])


def test_the_production_shape_has_its_services() -> None:
    doc = compose()
    svc = doc["services"]
    assert {"postgres", "minio", "minio-init", "prefect-server", "init", "api", "serve", "deploy", "worker"} <= set(svc)
    assert set(doc) - {"name", "services", "volumes", "networks", "secrets", "configs"} <= {
        k for k in doc if k.startswith("x-")
    }
    for name, s in svc.items():
        assert "image" in s, f"{name} has no image"
        if name in CLAIMFLOW_IMAGE_SERVICES:
            assert s["image"].startswith("claimflow:") and s.get("build") == ".", name
        for dep in s.get("depends_on") or {}:
            assert dep in svc, f"{name} depends on an unknown service {dep}"
        for mount in s.get("volumes") or []:
            source = interpolate(mount, {}).split(":")[0]
            if source == "./claims":  # the watched folder: the operator's directory (CLAIMFLOW_WATCH_DIR)
                assert name == "watch"
            elif source.startswith("."):
                assert (REPO / source).is_file(), f"{name} mounts {source}, which is not in the repository"
            else:
                assert source in (doc.get("volumes") or {}), f"{name} uses an undeclared volume {source}"
    # serve and the work pool register the same deployments: one profile or the other, never both by default
    assert svc["serve"]["profiles"] == ["one-box"] and svc["watch"]["profiles"] == ["watch"]
    assert svc["deploy"]["profiles"] == svc["worker"]["profiles"] == ["many"]
    assert int(svc["worker"]["deploy"]["replicas"]) >= 2


def test_services_start_in_order() -> None:
    svc = services()

    def after(name: str) -> dict[str, str]:
        return {dep: cond["condition"] for dep, cond in svc[name]["depends_on"].items()}

    assert after("prefect-server") == {"postgres": "service_healthy"}
    assert after("init") == {"postgres": "service_healthy"}
    ready = {"init": "service_completed_successfully", "minio-init": "service_completed_successfully",
             "prefect-server": "service_healthy"}
    assert after("api") == after("watch") == after("serve") == after("deploy") == ready
    assert after("worker") == {"deploy": "service_completed_successfully"}
    for name in ("postgres", "minio", "prefect-server", "api"):
        assert svc[name]["healthcheck"]["test"][0] == "CMD", f"{name} needs a healthcheck to be waited for"


def test_claimflow_variables_are_settings_and_make_valid_settings() -> None:
    fields = {f"CLAIMFLOW_{name.upper()}" for name in Settings.model_fields}
    svc = services()
    for name in CLAIMFLOW_IMAGE_SERVICES - {"prefect-server"}:
        env = environment(svc[name])
        unknown = {k for k in env if k.startswith("CLAIMFLOW_")} - fields
        assert not unknown, f"{name} sets variables claimflow does not read: {sorted(unknown)}"
        s = Settings(_env_file=None, **{k.removeprefix("CLAIMFLOW_").lower(): v for k, v in env.items()
                                        if k.startswith("CLAIMFLOW_")})  # type: ignore[arg-type]
        url = make_url(s.db_url)
        assert (url.drivername, url.host, url.database, url.username) == (
            "postgresql+psycopg", "postgres", "claimflow", "claimflow"), name
    for name in CLAIMS_HANDLERS:
        s = Settings(_env_file=None, **{k.removeprefix("CLAIMFLOW_").lower(): v
                                        for k, v in environment(svc[name]).items() if k.startswith("CLAIMFLOW_")})
        # claims run on several machines: the originals must be in the shared bucket, reachable and credentialled
        assert (s.store, s.s3_endpoint_url, s.s3_bucket) == ("s3", "http://minio:9000", "claimflow"), name
        assert s.s3_access_key_id and s.s3_secret_access_key, name
        assert s.workers == int(dotenv_in_doc()["CLAIMFLOW_WORKERS"])
        assert str(s.signing_key).startswith("/var/lib/claimflow/keys/"), "the key volume is mounted there"
        assert s.server == environment(svc[name])["PREFECT_API_URL"], "`claimflow process` submits to the pool"
        assert "audit-keys:/var/lib/claimflow/keys:ro" in svc[name]["volumes"], name


def test_prefect_variables_are_prefect_settings() -> None:
    import prefect.settings

    for name in CLAIMFLOW_IMAGE_SERVICES:  # where Prefect runs (the postgres container only reads passwords)
        for var in environment(services()[name]):
            if var.startswith("PREFECT_"):
                getattr(prefect.settings, var)  # AttributeError: "... is not a Prefect setting"
        if name != "prefect-server":
            assert environment(services()[name])["PREFECT_API_URL"] == "http://prefect-server:4200/api", name
    server = environment(services()["prefect-server"])
    url = make_url(server["PREFECT_API_DATABASE_CONNECTION_URL"])
    assert (url.drivername, url.host, url.database, url.username) == ("postgresql+asyncpg", "postgres", "prefect",
                                                                       "prefect")
    assert command(services()["prefect-server"])[:3] == ["prefect", "server", "start"]
    assert "4200" in command(services()["prefect-server"])


def test_the_bucket_and_its_policy_are_the_store_claimflow_uses() -> None:
    s = Settings(_env_file=None, **{k.removeprefix("CLAIMFLOW_").lower(): v for k, v in
                                    environment(services()["worker"]).items() if k.startswith("CLAIMFLOW_")})
    init = " ".join(command(services()["minio-init"]))
    assert f"mc mb --ignore-existing local/{s.s3_bucket}\n" in init
    assert f'"arn:aws:s3:::{s.s3_bucket}/{s.s3_prefix}*"' in init, "the claimflow user may write under the prefix"
    assert f'mc admin user add local {s.s3_access_key_id} "$$CLAIMFLOW_S3_SECRET"' in init  # `$$`: compose's `$`
    assert environment(services()["minio-init"])["CLAIMFLOW_S3_SECRET"] == str(
        s.s3_secret_access_key.get_secret_value() if s.s3_secret_access_key else None)


def test_postgres_init_creates_the_databases_compose_uses() -> None:
    sql = PG_INIT.read_text()
    for db_name in ("claimflow", "prefect"):
        assert f"CREATE ROLE {db_name} LOGIN PASSWORD" in sql
        assert f"CREATE DATABASE {db_name} OWNER {db_name};" in sql
    pg = environment(services()["postgres"])
    for var in ("CLAIMFLOW_DB_PASSWORD", "PREFECT_DB_PASSWORD"):
        assert f'"${var}"' in sql and var in pg, f"the init script reads {var} from the postgres container"
    assert "/docker-entrypoint-initdb.d/" in " ".join(services()["postgres"]["volumes"])


def test_the_commands_are_claimflows() -> None:
    """Each claimflow command compose runs exists with the options it passes (`--help` parses them)."""
    from claimflow.cli.main import app

    svc = services()
    deploy = command(svc["deploy"])
    worker = " ".join(command(svc["worker"]))
    pool = deploy[deploy.index("--work-pool") + 1]
    assert f"prefect worker start --pool {pool} --type process" in worker, "deploy and the workers use one pool"
    assert command(svc["serve"]) == ["claimflow", "serve"]
    init = " ".join(command(svc["init"]))
    assert "claimflow db upgrade" in init and "claimflow audit keygen" in init
    runner = CliRunner()
    for argv in (deploy, command(svc["serve"]), command(svc["watch"]), ["claimflow", "db", "upgrade"],
                 ["claimflow", "audit", "keygen"]):
        assert argv[0] == "claimflow"
        result = runner.invoke(app, [*argv[1:], "--help"])
        assert result.exit_code == 0, f"`{' '.join(argv)}`: {result.output}"
    # the API: uvicorn's factory is claimflow's
    api = command(svc["api"])
    assert api[:2] == ["uvicorn", "--factory"] and "--no-access-log" in api
    module, _, attr = api[2].partition(":")
    assert callable(getattr(importlib.import_module(module), attr))


def test_the_doc_env_sets_every_required_variable() -> None:
    text = COMPOSE.read_text()
    required = {m.group("name") for m in _VAR.finditer(text) if m.group("op") == ":?"}
    assert required <= set(dotenv_in_doc()), sorted(required - set(dotenv_in_doc()))


def test_dockerfile_installs_the_makefile_packages_on_pythons_version() -> None:
    docker = DOCKERFILE.read_text()
    make = (REPO / "Makefile").read_text()
    froms = re.findall(r"^FROM (\S+)", docker, re.M)
    assert froms[0].startswith("python:3.11-") and "bookworm" in froms[0], "Debian 12, as the Makefile targets"
    import tomllib

    assert tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["requires-python"] == ">=3.11,<3.12"
    # the Debian packages come from the Makefile's own `system` target: one list, in the Makefile
    assert "COPY Makefile" in docker and re.search(r"\bmake system\b", docker)
    assert re.search(r"^APT_PACKAGES := tesseract-ocr ", make, re.M)
    assert "$(APT_PACKAGES)" in make.split("\nsystem:", 1)[1].split("\n\n")[0], "`make system` installs them"
    # the package is installed from a wheel of the whole tree: a new package in pyproject's include is not forgotten
    assert "pip wheel --no-deps" in docker and "COPY . /src" in docker
    assert re.search(r"^USER claimflow$", docker, re.M), "claims run unprivileged"
    ignored = (REPO / ".dockerignore").read_text().split()
    assert {".venv", "var", ".git", ".env"} <= set(ignored), "state, secrets and the venv stay out of the image"


@pytest.mark.parametrize("name", sorted(CLAIMS_HANDLERS | {"init", "deploy"}))
def test_claimflow_services_share_one_environment(name: str) -> None:
    """serve, the workers and the one-shot jobs see the same database, store and Prefect API (one anchor)."""
    env = environment(services()[name])
    reference = environment(services()["worker"])
    assert {k: v for k, v in env.items() if k.startswith(("CLAIMFLOW_", "PREFECT_API_URL"))} == {
        k: v for k, v in reference.items() if k.startswith(("CLAIMFLOW_", "PREFECT_API_URL"))
    }
