"""Settings from the environment (prefix ``CLAIMFLOW_``) or a ``.env`` file. Built at the edge and passed in.

Every setting is documented in README ("Settings").
"""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

#: Names a watched folder never takes: hidden files, editor backups, and the temporary names browsers, copy tools and
#: office suites write before renaming to the final name. ``fnmatch`` patterns, matched case-insensitively.
DEFAULT_WATCH_IGNORE = (
    ".*", "*~", "~$*", "*.part", "*.partial", "*.tmp", "*.temp", "*.crdownload", "*.download", "*.filepart",
    "*.swp", "*.lock", "*.!ut", "*.opdownload", "Thumbs.db", "desktop.ini", "*.result.json", "*.error.json",
)

TENANT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CLAIMFLOW_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path("var"), description="Where claimflow keeps its state: database, documents, keys.")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL. Default: SQLite file DATA_DIR/claimflow.db (WAL mode)."
    )
    watch_dir: Path | None = Field(
        None, description="The watched folder for claims staff: inbox/, processing/, done/ and failed/ under it "
        "(docs/watched-folder.md). Default: DATA_DIR/watch."
    )
    watch_settle: float = Field(
        5.0, ge=0.1, le=3600, description="Seconds a file must go without an event or a change of size or "
        "modification time before it is taken."
    )
    watch_poll: float | None = Field(
        None, gt=0, le=3600, description="Poll the folder every N seconds instead of waiting for file events "
        "(network shares: CIFS/SMB, NFS). Unset: native file events."
    )
    watch_rescan: float = Field(
        60.0, ge=1, le=86400, description="Seconds between full rescans of the inbox (in both modes; catches events "
        "a file system never sent)."
    )
    watch_ignore: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(DEFAULT_WATCH_IGNORE), description="File names the watcher leaves alone "
        "(fnmatch patterns, case-insensitive), comma-separated in the environment."
    )
    watch_grace: float = Field(
        300.0, ge=0, le=86400, description="Seconds an empty file (a placeholder about to be filled) or a sidecar "
        "without its document is waited for before it is refused."
    )
    watch_sidecar_max_bytes: int = Field(
        16 * 1024, ge=64, le=1024 * 1024, description="Largest accepted sidecar NAME.json, in bytes."
    )
    watch_workers: int = Field(2, ge=1, le=64, description="Documents the watcher decides at the same time.")
    watch_tenants: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Insurers with their own inbox/<tenant>/ folder, comma-separated; files "
        "anywhere else in inbox/ belong to CLAIMFLOW_TENANT."
    )
    signing_key_path: Path | None = Field(
        None, description="Ed25519 private key (PEM) that signs audit checkpoints. Default: DATA_DIR/keys/audit.key."
    )
    tenant: str = Field("default", description="Insurer (tenant) that CLI-submitted claims belong to.")
    workers: int = Field(
        default_factory=lambda: os.cpu_count() or 1, ge=1, le=256,
        description="Claims processed at once: the OCR process pool of `claimflow process`, and the concurrency "
        "limit of `claimflow serve` (flow runs at once). Default: the number of cores.",
    )
    ocr_workers: int | None = Field(
        None, ge=1, le=64, description="OCR processes for commands that only read (`extract`, `eval`, `model`). "
        "Default: WORKERS.",
    )
    server: str | None = Field(
        None, description="Prefect API URL of a server where `claimflow serve` (or workers of `claimflow deploy`) "
        "run claimflow's deployments, e.g. http://host:4200/api. `claimflow process` then submits claims to it "
        "instead of processing them itself.",
    )
    ocr_dpi: int = Field(300, ge=72, le=600, description="Resolution at which scanned PDF pages are rendered.")
    ocr_page_timeout: float = Field(120.0, gt=0, description="Seconds one page may take in tesseract.")
    ocr_reread: bool = Field(True, description="Read the words tesseract was unsure of again with a second "
                             "recogniser (more accurate on real scans, about 1 s of a core more per receipt).")
    max_pages: int = Field(50, ge=1, description="Pages per document above which it is refused.")
    max_pixels_per_page: int = Field(
        80_000_000, ge=10_000, description="Pixels per page above which an image is refused (decompression bombs)."
    )
    max_file_bytes: int = Field(50 * 1024 * 1024, ge=1, description="Largest accepted document, in bytes.")
    review_confidence: float = Field(
        0.80, ge=0, le=1, description="Fields that decide money read below this confidence send a claim to review."
    )
    plans_dir: Path | None = Field(None, description="Plan YAML files. Default: the plans shipped in rules/plans.")
    checkpoint_every: int = Field(100, ge=1, description="Sign an audit checkpoint every N entries.")
    checkpoint_seconds: int = Field(
        3600, ge=0, description="Also sign one when new entries exist and the last is older than this (0: off)."
    )
    max_documents_per_claim: int = Field(10, ge=1, description="Documents one API submission may carry.")
    max_request_bytes: int = Field(
        100 * 1024 * 1024, ge=1024, description="Largest accepted API request body, in bytes (all its documents)."
    )
    api_rate_per_second: float = Field(
        20.0, gt=0, description="Requests per second one API key may make on average (token bucket refill rate)."
    )
    api_rate_burst: int = Field(40, ge=1, description="Requests one API key may make at once (token bucket size).")
    api_cors_origins: list[str] = Field(
        default_factory=list, description="Origins allowed by CORS (JSON list). Empty: CORS off (the default)."
    )
    webhook_timeout: float = Field(10.0, gt=0, le=120, description="Seconds one webhook POST may take.")
    webhook_max_attempts: int = Field(
        8, ge=1, le=30, description="Delivery attempts per webhook event before it is marked failed."
    )
    webhook_backoff_seconds: float = Field(
        30.0, ge=0, description="Delay before the first retry of a failed webhook delivery; doubled each retry."
    )
    webhook_backoff_max_seconds: float = Field(3600.0, ge=0, description="Longest delay between two retries.")
    webhook_allow_private_networks: bool = Field(
        False, description="Allow webhook URLs that are (or resolve to) loopback, private or link-local addresses. "
        "Off: a tenant cannot make the server call into its own network. On only for a test bench."
    )
    webhook_poll_seconds: float = Field(
        5.0, gt=0, description="How often the delivery loop of `claimflow serve` looks for due webhook events."
    )
    metrics_token: SecretStr | None = Field(
        None, description="If set, GET /metrics needs `Authorization: Bearer <this token>` (Prometheus "
        "`authorization` scrape setting). Unset: /metrics is open; keep it on an internal network."
    )
    audit_verify_inline_max: int = Field(
        10_000, ge=0, description="POST /v1/audit/verify answers at once for logs up to this many entries; longer "
        "logs are verified in the background (202 and a status URL)."
    )
    four_eyes_above: Decimal | None = Field(
        None,
        ge=0,
        description="A reviewed claim whose final payable is above this amount needs a second, different reviewer to "
        "confirm it. Unset (or `off`): the four-eyes rule is off. 0: every paying review needs a second reviewer.",
    )
    console_secret: SecretStr | None = Field(
        None, description="Signs the console's session cookies and CSRF tokens. Default: 32 random bytes kept in "
        "DATA_DIR/keys/console.secret (created on first use; every server of one data dir shares it)."
    )
    console_session_minutes: int = Field(
        480, ge=1, le=7 * 24 * 60, description="How long a console sign-in lasts before the key is asked for again."
    )
    console_review_sla_hours: float = Field(
        24.0, gt=0, description="How long a pended claim may wait for a reviewer; the console's queue marks older "
        "claims overdue and shows each claim's age against it."
    )
    review_lease_seconds: int = Field(
        900, ge=1, le=86_400, description="How long a reviewer's lease on a claim lasts (taking it again renews it)."
    )

    @field_validator("four_eyes_above", mode="before")
    @classmethod
    def _off(cls, v: object) -> object:
        return None if isinstance(v, str) and v.strip().lower() in ("", "off", "none") else v
    store: Literal["local", "s3"] = Field(
        "local", description="Where originals are kept: `local` (DATA_DIR/documents) or `s3` (an S3-compatible bucket "
        "every worker can reach; see docs/storage.md)."
    )
    s3_endpoint_url: str | None = Field(
        None, description="S3-compatible endpoint, e.g. http://minio:9000. Default: AWS S3 of S3_REGION."
    )
    s3_bucket: str | None = Field(None, description="Bucket that holds the originals (required when STORE=s3).")
    s3_prefix: str = Field("documents/", description="Key prefix inside the bucket; objects are PREFIX/ab/<sha256>.")
    s3_region: str | None = Field(None, description="Region of the bucket. Default: the AWS configuration's region.")
    s3_access_key_id: str | None = Field(
        None, description="Access key id. Default: the standard AWS chain (AWS_* variables, ~/.aws, instance role)."
    )
    s3_secret_access_key: SecretStr | None = Field(
        None, description="Secret access key, with S3_ACCESS_KEY_ID. Never logged."
    )

    encrypt_at_rest: bool = Field(
        True, description="Encrypt originals, extractions, decisions and member names/dates of birth at rest "
        "(envelope encryption, docs/privacy.md). Off only for benchmarks and legacy data."
    )
    key_provider: Literal["file", "env"] = Field(
        "file", description="Where the master key comes from: a key file (made on first use, mode 0600) or "
        "the CLAIMFLOW_MASTER_KEY environment variable."
    )
    master_key_path: Path | None = Field(
        None, description="The master key file (KEY_PROVIDER=file). Default: DATA_DIR/keys/master.key."
    )
    master_key: SecretStr | None = Field(
        None, description="The master key, 32 bytes base64 (KEY_PROVIDER=env). Never logged."
    )
    master_key_previous: SecretStr | None = Field(
        None, description="The master key before a rotation (KEY_PROVIDER=env): only used to unwrap data keys "
        "until `claimflow keys rotate-master` has rewrapped them under MASTER_KEY."
    )
    retention_days: int | None = Field(
        None, ge=1, description="Erase a claim's personal data this many days after it was received (off: keep). "
        "Run by the retention flow (flows/retention.py)."
    )

    @field_validator("watch_ignore", "watch_tenants", mode="before")
    @classmethod
    def _split(cls, v: object) -> object:
        return [p.strip() for p in v.split(",") if p.strip()] if isinstance(v, str) else v

    @field_validator("watch_tenants", mode="after")
    @classmethod
    def _tenant_names(cls, v: list[str]) -> list[str]:
        for name in v:
            if not TENANT_NAME.fullmatch(name):
                raise ValueError(f"tenant folder {name!r} must be 1-100 letters, digits, '.', '_' or '-'")
        return v

    @field_validator("data_dir", "watch_dir", "signing_key_path", "plans_dir", "master_key_path", mode="after")
    @classmethod
    def _expand(cls, v: Path | None) -> Path | None:
        return v.expanduser() if v is not None else None

    @field_validator("s3_prefix", mode="after")
    @classmethod
    def _prefix(cls, v: str) -> str:
        v = v.strip("/")
        return f"{v}/" if v else ""

    @model_validator(mode="after")
    def _store_configured(self) -> Settings:
        if self.store == "s3" and not self.s3_bucket:
            raise ValueError("CLAIMFLOW_STORE=s3 needs CLAIMFLOW_S3_BUCKET (the bucket that holds the originals)")
        if (self.s3_access_key_id is None) != (self.s3_secret_access_key is None):
            raise ValueError(
                "set both CLAIMFLOW_S3_ACCESS_KEY_ID and CLAIMFLOW_S3_SECRET_ACCESS_KEY, or neither (then the "
                "standard AWS credential chain is used)"
            )
        return self

    @model_validator(mode="after")
    def _ocr_workers_default(self) -> Settings:
        if self.ocr_workers is None:
            self.ocr_workers = self.workers
        return self

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'claimflow.db').as_posix()}"

    @property
    def documents_dir(self) -> Path:
        """The local store of originals (STORE=local): DATA_DIR/documents/ab/cdef…"""
        return self.data_dir / "documents"

    @property
    def watch_root(self) -> Path:
        return self.watch_dir or self.data_dir / "watch"

    @property
    def master_key_file(self) -> Path:
        return self.master_key_path or self.data_dir / "keys" / "master.key"

    @property
    def signing_key(self) -> Path:
        return self.signing_key_path or self.data_dir / "keys" / "audit.key"
