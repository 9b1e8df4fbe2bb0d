"""The document store: one behavioural suite run against both backends (a local directory; an S3 bucket on a moto
S3 server this module starts on 127.0.0.1), plus what is specific to each and the claim flow on S3."""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from claimflow.errors import (
    DocumentMissingError,
    InputMissingError,
    StoreError,
    StoreIntegrityError,
    StoreUnavailableError,
)
from claimflow.settings import Settings
from db.s3store import S3Store
from db.store import DocumentStore, LocalStore, StoredDocument, open_store

REPO = Path(__file__).resolve().parent.parent
DIGITAL = REPO / "sample_docs" / "clinic-digital.pdf"
KEY_ID, SECRET = "claimflow-test", "claimflow-test-secret-value"


def s3_settings(tmp_path: Path, endpoint: str, bucket: str, **extra: object) -> Settings:
    return Settings(
        data_dir=tmp_path / "var", ocr_workers=1, store="s3", s3_endpoint_url=endpoint, s3_bucket=bucket,
        s3_prefix="claims/originals", s3_region="us-east-1", s3_access_key_id=KEY_ID,
        s3_secret_access_key=SecretStr(SECRET), _env_file=None, **extra,
    )  # type: ignore[call-arg]  # fmt: skip


def new_bucket(endpoint: str) -> str:
    bucket = f"cf-{uuid.uuid4().hex[:16]}"
    raw_client(endpoint).create_bucket(Bucket=bucket)
    return bucket


def raw_client(endpoint: str):  # type: ignore[no-untyped-def]
    import boto3

    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=KEY_ID,
                        aws_secret_access_key=SECRET)  # fmt: skip


@dataclass
class Backend:
    store: DocumentStore
    corrupt: Callable[[str, bytes], None]  # replace the stored bytes of a digest behind the store's back
    scratch: Path  # where the backend's temporary files go (must be empty after every operation)


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    if request.param == "local":
        root = tmp_path / "documents"
        store = open_store(Settings(data_dir=tmp_path, _env_file=None))  # type: ignore[call-arg]
        assert isinstance(store, LocalStore) and store.root == root

        def corrupt_local(sha: str, data: bytes) -> None:
            target = root / sha[:2] / sha
            os.chmod(target, 0o640)
            target.write_bytes(data)

        return Backend(store, corrupt_local, root)  # the local store's temp files live in its root
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = new_bucket(endpoint)
    store = open_store(s3_settings(tmp_path, endpoint, bucket))
    assert isinstance(store, S3Store)
    store.tmp_dir = scratch

    def corrupt_s3(sha: str, data: bytes) -> None:
        raw_client(endpoint).put_object(Bucket=bucket, Key=f"claims/originals/{sha[:2]}/{sha}", Body=data)

    return Backend(store, corrupt_s3, scratch)


def temp_files(backend: Backend) -> list[Path]:
    return [p for p in backend.scratch.rglob("*") if p.is_file() and (p.name.startswith((".incoming", "claimflow")))]


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# --- one suite, both backends ----------------------------------------------------------------------------------


def test_originals_are_kept_once_by_content(backend: Backend, tmp_path: Path) -> None:
    data = b"%PDF-1.4 a bill"
    sha = hashlib.sha256(data).hexdigest()
    first = backend.store.put_file(write(tmp_path / "in" / "bill.pdf", data))
    again = backend.store.put_file(write(tmp_path / "in" / "renamed.pdf", data))
    from_bytes = backend.store.put_bytes(data)
    assert first == again == from_bytes == StoredDocument(sha256=sha, size=len(data), key=f"{sha[:2]}/{sha}")
    assert backend.store.exists(sha) and backend.store.read_bytes(sha) == data
    assert temp_files(backend) == []


def test_write_once_an_existing_object_is_not_rewritten(backend: Backend, tmp_path: Path) -> None:
    data = b"original bytes"
    sha = backend.store.put_bytes(data).sha256
    backend.corrupt(sha, b"damaged")
    # Storing the same content again writes nothing: the damage stays visible instead of being papered over.
    assert backend.store.put_file(write(tmp_path / "again.png", data)).sha256 == sha
    assert backend.store.put_bytes(data).sha256 == sha
    with pytest.raises(StoreIntegrityError):
        backend.store.read_bytes(sha)


def test_a_damaged_original_is_detected_on_every_read(backend: Backend) -> None:
    sha = backend.store.put_bytes(b"the scanned bill").sha256
    backend.corrupt(sha, b"the scanned bi11")
    bad = hashlib.sha256(b"the scanned bi11").hexdigest()
    with pytest.raises(StoreIntegrityError, match=sha) as caught:
        backend.store.read_bytes(sha)
    assert caught.value.expected == sha and caught.value.actual == bad
    with pytest.raises(StoreIntegrityError, match=sha):
        with backend.store.local_copy(sha):
            pytest.fail("a damaged original must not be handed out")
    assert temp_files(backend) == []


def test_local_copy_holds_the_verified_original_and_is_cleaned_up(backend: Backend) -> None:
    data = os.urandom(3000)
    sha = backend.store.put_bytes(data).sha256
    with backend.store.local_copy(sha) as path:
        assert path.read_bytes() == data
    assert temp_files(backend) == []
    with pytest.raises(RuntimeError), backend.store.local_copy(sha) as path:
        raise RuntimeError("OCR crashed")
    assert temp_files(backend) == []
    assert backend.store.read_bytes(sha) == data  # the stored original is untouched by its copies


def test_exists_and_delete(backend: Backend) -> None:
    sha = backend.store.put_bytes(b"to be erased").sha256
    other = backend.store.put_bytes(b"to be kept").sha256
    backend.store.delete(sha)
    assert not backend.store.exists(sha) and backend.store.exists(other)
    with pytest.raises(DocumentMissingError, match=sha):
        backend.store.read_bytes(sha)
    with pytest.raises(DocumentMissingError), backend.store.local_copy(sha):
        pytest.fail("nothing to copy")
    backend.store.delete(sha)  # erasing twice is not an error
    assert backend.store.put_bytes(b"to be erased").sha256 == sha and backend.store.exists(sha)  # stored anew


def test_a_large_file_round_trips_in_chunks(backend: Backend, tmp_path: Path) -> None:
    data = os.urandom(5 * (1 << 20) + 12_345)  # several of the store's 1 MiB chunks and a ragged tail
    big = write(tmp_path / "big.tiff", data)
    stored = backend.store.put_file(big)
    assert stored.sha256 == hashlib.sha256(data).hexdigest() and stored.size == len(data)
    with backend.store.local_copy(stored.sha256) as path:
        assert path.stat().st_size == len(data) and path.read_bytes() == data
    assert temp_files(backend) == []


def test_many_workers_storing_one_document_store_it_once(backend: Backend) -> None:
    data = os.urandom(200_000)
    results: list[StoredDocument] = []
    barrier = threading.Barrier(6)

    def put() -> None:
        barrier.wait()
        results.append(backend.store.put_bytes(data))

    threads = [threading.Thread(target=put) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 6 and len(set(results)) == 1
    assert backend.store.read_bytes(results[0].sha256) == data and temp_files(backend) == []


def test_bad_arguments_are_named(backend: Backend, tmp_path: Path) -> None:
    with pytest.raises(InputMissingError, match="nope.pdf"):
        backend.store.put_file(tmp_path / "nope.pdf")
    with pytest.raises(StoreError, match="not a sha256"):
        backend.store.read_bytes("../../etc/passwd")
    with pytest.raises(StoreError, match="not a sha256"):
        backend.store.exists("AB" * 32)


# --- each backend's own behaviour -------------------------------------------------------------------------------


def test_local_store_layout_is_read_only_files_by_digest(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "docs")
    stored = store.put_bytes(b"same bytes")
    path = tmp_path / "docs" / stored.key
    assert path.read_bytes() == b"same bytes" and oct(path.stat().st_mode & 0o777) == "0o440"
    assert [p for p in (tmp_path / "docs").rglob("*") if p.is_file()] == [path]  # no temp files left behind


def test_local_store_streams_instead_of_reading_whole_files(tmp_path: Path) -> None:
    import tracemalloc

    size = 24 * (1 << 20)
    big = tmp_path / "big.pdf"
    with big.open("wb") as f:
        for _ in range(24):
            f.write(os.urandom(1 << 20))
    store = LocalStore(tmp_path / "docs")
    tracemalloc.start()
    try:
        sha = store.put_file(big).sha256
        with store.local_copy(sha) as path:
            assert path.stat().st_size == size
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < size // 4, f"{peak} bytes held at once for a {size}-byte file"


def test_s3_objects_live_under_the_prefix(s3_endpoint: str, tmp_path: Path) -> None:
    bucket = new_bucket(s3_endpoint)
    stored = open_store(s3_settings(tmp_path, s3_endpoint, bucket)).put_bytes(b"bill")
    listed = raw_client(s3_endpoint).list_objects_v2(Bucket=bucket)["Contents"]
    assert [o["Key"] for o in listed] == [f"claims/originals/{stored.key}"]


def test_s3_failures_are_clear_and_never_show_the_secret(s3_endpoint: str, tmp_path: Path) -> None:
    missing_bucket = open_store(s3_settings(tmp_path, s3_endpoint, "no-such-bucket"))
    with pytest.raises(StoreError, match="no-such-bucket") as refused:
        missing_bucket.put_bytes(b"x")
    assert not isinstance(refused.value, StoreUnavailableError)  # a configuration problem: retrying will not help
    # A closed port: the endpoint is unreachable, which is transient (the flow retries it).
    with __import__("socket").socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    unreachable = open_store(s3_settings(tmp_path, closed, "bucket"))
    with pytest.raises(StoreUnavailableError) as down:
        unreachable.exists("ab" * 32)
    for error in (refused.value, down.value):
        assert SECRET not in str(error) and SECRET not in repr(error)
    assert SECRET not in repr(missing_bucket) and SECRET not in repr(s3_settings(tmp_path, s3_endpoint, "b"))


def test_s3_settings_are_validated(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="CLAIMFLOW_S3_BUCKET"):
        Settings(data_dir=tmp_path, store="s3", _env_file=None)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="CLAIMFLOW_S3_SECRET_ACCESS_KEY"):
        Settings(data_dir=tmp_path, store="s3", s3_bucket="b", s3_access_key_id="k", _env_file=None)  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        Settings(data_dir=tmp_path, store="ftp", _env_file=None)  # type: ignore[call-arg]
    assert Settings(data_dir=tmp_path, s3_prefix="/a/b/", _env_file=None).s3_prefix == "a/b/"  # type: ignore[call-arg]


# --- the claim pipeline on S3 -----------------------------------------------------------------------------------


def test_a_worker_on_another_machine_reads_the_original_by_digest(s3_endpoint: str, tmp_path: Path) -> None:
    """Two machines share the database and the bucket, not a filesystem: B reads what A received."""
    from flows import stages
    from flows.runtime import sessions_for

    bucket = new_bucket(s3_endpoint)
    db_url = f"sqlite:///{tmp_path / 'shared.db'}"
    # Both machines hold the same master key (originals are encrypted at rest: docs/privacy.md).
    key = tmp_path / "shared-keys" / "master.key"
    a = s3_settings(tmp_path / "machine-a", s3_endpoint, bucket, database_url=db_url, master_key_path=key)
    b = s3_settings(tmp_path / "machine-b", s3_endpoint, bucket, database_url=db_url, master_key_path=key)
    doc = write(tmp_path / "machine-a" / "inbox" / "bill.pdf", DIGITAL.read_bytes())
    ctx_a = stages.Context(settings=a, sessions=sessions_for(a), tenant="acme", source="api", submitted_by="t")
    ctx_b = stages.Context(settings=b, sessions=sessions_for(b), tenant="acme", source="api", submitted_by="t")

    received = stages.receive(ctx_a, doc)
    shutil.rmtree(tmp_path / "machine-a")  # machine A is gone

    with stages.original_path(ctx_b, received.sha256) as original:
        assert original.read_bytes() == DIGITAL.read_bytes()
        assert tmp_path not in original.parents  # a temp copy on B, not a path A knew
    assert not original.exists()
    assert not (tmp_path / "machine-b" / "var" / "documents").exists()  # nothing assumed a local store


def test_flow_decides_a_claim_with_originals_in_s3(prefect_harness: None, s3_endpoint: str, tmp_path: Path) -> None:
    from sqlalchemy import select

    from db.models import DocumentRow
    from flows import dispatch, stages
    from flows.runtime import sessions_for, store_for

    bucket = new_bucket(s3_endpoint)
    settings = s3_settings(tmp_path, s3_endpoint, bucket)
    doc = write(tmp_path / "incoming" / "bill.pdf", DIGITAL.read_bytes())

    ctx = stages.Context(settings=settings, sessions=sessions_for(settings), tenant="acme", source="cli",
                         submitted_by="tester")
    admission = dispatch.admit(ctx, doc)  # receipt here; the flow run reads the original from S3 by digest
    result = dispatch.run_local(settings, admission.ref)

    assert result.status != "failed", result.error
    assert result.claim_id and result.outcome in {"APPROVED", "PARTIALLY_APPROVED", "DENIED", "PENDING_REVIEW"}
    sha = hashlib.sha256(DIGITAL.read_bytes()).hexdigest()
    assert result.sha256 == sha
    obj = raw_client(s3_endpoint).get_object(Bucket=bucket, Key=f"claims/originals/{sha[:2]}/{sha}")
    assert obj["Body"].read()[:3] == b"CFE"  # sealed in the bucket (docs/privacy.md), opened by the store
    assert store_for(settings).read_bytes(sha) == DIGITAL.read_bytes()
    assert not settings.documents_dir.exists()  # nothing went to the local store
    with sessions_for(settings)() as s:
        row = s.scalar(select(DocumentRow))
        assert row is not None and row.stored_path == f"{sha[:2]}/{sha}"  # the store key, not a filesystem path
