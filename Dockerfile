# claimflow's image: the CLI, `claimflow serve`, Prefect workers for claimflow's work pool, and (same Prefect version)
# `prefect server start`. Used by compose.yaml; see docs/operations.md, "One box and many".
#   docker build -t claimflow:0.1.0 .
FROM python:3.11-slim-bookworm AS base

ENV DEBIAN_FRONTEND=noninteractive \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

WORKDIR /opt/claimflow

# The Debian packages claimflow needs are the Makefile's APT_PACKAGES (OCR engine, PDF rasterizer, fonts), installed
# by its own `make system`, so the list lives in one place.
COPY Makefile ./
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends make \
 && make system \
 && apt-get purge -y -qq make \
 && rm -rf /var/lib/apt/lists/*

# The pinned dependencies: a layer that changes only with pyproject.toml.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
      > requirements.txt \
 && pip install -r requirements.txt

# The package, built as a wheel from the source tree (whatever packages pyproject.toml includes).
FROM base AS wheel
COPY . /src
RUN pip wheel --no-deps --wheel-dir /wheels /src

FROM base
COPY --from=wheel /wheels /wheels
RUN pip install --no-deps /wheels/*.whl \
 && rm -rf /wheels \
 && claimflow --help >/dev/null

# An unprivileged user; DATA_DIR holds the signing key (keys/, a volume in compose.yaml) and exported checkpoints.
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /var/lib/claimflow claimflow \
 && install -d -o claimflow -g claimflow -m 0700 /var/lib/claimflow/keys
USER claimflow
WORKDIR /var/lib/claimflow
ENV CLAIMFLOW_DATA_DIR=/var/lib/claimflow \
    PREFECT_SERVER_ANALYTICS_ENABLED=false

CMD ["claimflow", "--help"]
