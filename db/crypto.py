"""Envelope encryption, pure: values in, values out (no files, no database).

A *data key* (AES-256-GCM) seals personal data; the *master key* wraps data keys. Both use one sealed-blob format::

    b"CFE" | version (1 byte) | key-id length (1 byte) | key id (ASCII) | nonce (12 bytes) | ciphertext+tag

The header (everything before the ciphertext) is authenticated too: it is part of the AES-GCM associated data,
followed by the caller's ``aad`` — a purpose string binding the blob to where it belongs (``extraction/<claim id>``,
``document/<sha256>``, ``datakey/<data key id>``), so a blob copied into another row or file does not open. The key
id names the key that sealed it (a data key id, or a master key id for wrapped data keys), so readers never guess;
the format is independent of where the master key comes from (a file, the environment, a KMS adapter later).
"""

from __future__ import annotations

import hashlib
import os
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"CFE"
FORMAT_VERSION = 1
NONCE_BYTES = 12
KEY_BYTES = 32
#: Domain separation for master key ids (a master key id is public: it names the key, never reveals it).
MASTER_ID_PREFIX = b"claimflow master key id v1\x00"


class SealedFormatError(ValueError):
    """The bytes are not a sealed blob of a known format version."""


class OpenError(ValueError):
    """The blob does not open with this key and purpose: wrong key, wrong purpose, or altered bytes."""


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def master_key_id(master: bytes) -> str:
    """A short public name of a master key (16 hex digits of a domain-separated SHA-256)."""
    return hashlib.sha256(MASTER_ID_PREFIX + master).hexdigest()[:16]


def is_sealed(blob: bytes | None) -> bool:
    return bool(blob) and bytes(blob[:3]) == MAGIC  # type: ignore[index]


def _header(key_id: str, nonce: bytes) -> bytes:
    kid = key_id.encode("ascii")
    if not 0 < len(kid) < 256:
        raise ValueError("a key id is 1-255 ASCII characters")
    return MAGIC + struct.pack("BB", FORMAT_VERSION, len(kid)) + kid + nonce


def parse(blob: bytes) -> tuple[int, str, bytes, bytes]:
    """(format version, key id, header bytes, ciphertext). Raises SealedFormatError for anything else."""
    blob = bytes(blob)
    if len(blob) < 5 or blob[:3] != MAGIC:
        raise SealedFormatError("not a claimflow sealed blob")
    version, n = blob[3], blob[4]
    if version != FORMAT_VERSION:
        raise SealedFormatError(f"sealed blob format {version} is not supported (this claimflow reads {FORMAT_VERSION})")
    end = 5 + n + NONCE_BYTES
    if n == 0 or len(blob) < end + 16:
        raise SealedFormatError("sealed blob is truncated")
    try:
        key_id = blob[5 : 5 + n].decode("ascii")
    except UnicodeDecodeError as e:
        raise SealedFormatError("sealed blob has a malformed key id") from e
    return version, key_id, blob[:end], blob[end:]


def key_id_of(blob: bytes) -> str:
    return parse(blob)[1]


def seal(key: bytes, key_id: str, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    header = _header(key_id, nonce)
    return header + AESGCM(key).encrypt(nonce, plaintext, header + aad)


def open_blob(key: bytes, blob: bytes, aad: bytes) -> bytes:
    _, _, header, ciphertext = parse(blob)
    nonce = header[-NONCE_BYTES:]
    try:
        return AESGCM(key).decrypt(nonce, ciphertext, header + aad)
    except InvalidTag as e:
        raise OpenError("the sealed blob does not open with this key for this purpose") from e


def wrap(master: bytes, data_key_id: str, data_key: bytes) -> bytes:
    """The data key sealed under the master key, bound to the data key's id."""
    return seal(master, master_key_id(master), data_key, b"datakey/" + data_key_id.encode())


def unwrap(master: bytes, data_key_id: str, wrapped: bytes) -> bytes:
    return open_blob(master, wrapped, b"datakey/" + data_key_id.encode())
