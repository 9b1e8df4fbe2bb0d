"""lab layout (placeholder: clinic until written)."""

from claimflow.samples.layouts.clinic import build  # noqa: F401
