# syntax=docker/dockerfile:1
# The Tværs gateway image. The department simulators run from the same image with another command.
#
# Base pinned to an exact Python patch release on Debian bookworm (slim). Pin it further by digest
# where your registry policy asks for it: PYTHON_IMAGE=python:3.11.14-slim-bookworm@sha256:<digest>.
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# Every dependency at the exact version tested, verified by hash (deploy/requirements.lock).
COPY deploy/requirements.lock /tmp/requirements.lock
RUN pip install --require-hashes --no-deps -r /tmp/requirements.lock
# The project itself, without dependencies (all of them came from the lock above).
COPY pyproject.toml README.md /src/
COPY gateway /src/gateway
COPY connectors /src/connectors
RUN pip install --no-deps /src && rm -rf /src

FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="tvaers-gateway" \
      org.opencontainers.image.description="Tværs: consent-bound data sharing between municipal departments" \
      org.opencontainers.image.licenses="EUPL-1.2"
RUN groupadd --system --gid 10001 tvaers \
 && useradd --system --uid 10001 --gid tvaers --home-dir /app --no-create-home \
    --shell /usr/sbin/nologin tvaers \
 && mkdir -p /app/data /witness \
 && chown tvaers:tvaers /app/data /witness
COPY --from=build /opt/venv /opt/venv
# Policies and the catalogue are read at start-up (the catalogue also when OPA decides).
COPY policies /app/policies
WORKDIR /app
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    TVAERS_DATA_DIR=/app/data \
    TVAERS_POLICIES_DIR=/app/policies
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=5 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
CMD ["tvaers", "serve", "--host", "0.0.0.0", "--port", "8000"]
