#!/usr/bin/env bash
# Regenerate the committed sample set (documents, truth, members.yaml, manifest.json, bad/, README.md).
# Byte-identical for the same code and fonts; needs fonts-dejavu-core fonts-liberation fonts-freefont-ttf
# fonts-dkg-handwriting fonts-humor-sans (Debian).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
"$root/.venv/bin/claimflow" samples curate --out "$here"
