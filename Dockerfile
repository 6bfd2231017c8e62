# escalation-risk API image: a build stage that installs the pinned dependencies and trains the model from the
# committed corpus, and a slim runtime stage that runs `escalation serve` as a non-root user.
#
# Build with Docker (`docker build -t escalation-risk .`) or, with no Docker engine, scripts/build_image.sh (buildah).
# PIP_CERT: an optional CA bundle for pip (set when a TLS-inspecting proxy sits between the build and PyPI).

ARG BASE_IMAGE=docker.io/library/python:3.11-slim-bookworm

FROM ${BASE_IMAGE} AS build
ARG PIP_CERT=""
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
# Dependencies first, so code edits reuse this layer: installing the project before its code is copied brings in its
# runtime dependencies (not the dev extra) at the versions pinned in requirements.lock.
COPY pyproject.toml requirements.lock README.md ./
RUN if [ -z "${PIP_CERT}" ]; then unset PIP_CERT; fi \
    && python3 -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir --constraint requirements.lock .
# A C compiler, for setup.py to compile the scoring core with mypyc (it falls back to pure Python without one). Only
# this stage has it: the runtime stage copies the built venv.
# hadolint ignore=DL3008
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev && rm -rf /var/lib/apt/lists/*
COPY setup.py ./
COPY service ./service
COPY training ./training
COPY fixtures/corpus ./fixtures/corpus
RUN if [ -z "${PIP_CERT}" ]; then unset PIP_CERT; fi \
    && /opt/venv/bin/pip install --no-cache-dir --no-deps --force-reinstall . \
    && /opt/venv/bin/python -m training.cli train -o /opt/model/escalation.joblib \
       --train fixtures/corpus/train.jsonl --dev fixtures/corpus/dev.jsonl

FROM ${BASE_IMAGE}
RUN useradd --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin escalation
COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/model /opt/model
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ESCALATION_MODEL_PATH=/opt/model/escalation.joblib \
    PROMETHEUS_MULTIPROC_DIR=/tmp/escalation-metrics
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python3", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health/live', timeout=4)"]
CMD ["escalation", "serve", "--host", "0.0.0.0", "--port", "8000"]
