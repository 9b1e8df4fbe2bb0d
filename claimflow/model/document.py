"""The claim document as received."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class DocumentKind(StrEnum):
    image = "image"
    scanned_pdf = "scanned_pdf"
    digital_pdf = "digital_pdf"


class Document(BaseModel):
    """A document identified by its content: the same bytes are the same document, whatever the file is called."""

    model_config = ConfigDict(frozen=True)

    path: str = Field(description="Where the file was read from (as given by the user or the watcher).")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size_bytes: int = Field(ge=0)
    media_type: str = Field(description="Detected from the content, not the file name, e.g. application/pdf.")
    kind: DocumentKind
    pages: int = Field(ge=1)
