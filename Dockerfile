# syntax=docker/dockerfile:1
# publish-action as a container image, for `docker run` in any CI.
#
#   docker run --rm -v "$PWD/dist:/work/dist:ro" -w /work \
#     -e INPUT_PASSWORD="$PYPI_TOKEN" ghcr.io/org/publish-action:1
#
# Base: python:3.12-slim (Debian), pinned by the digest of its multi-arch index; bump the
# tag and digest together. Runtime dependencies come only from the hash lock.
ARG PYTHON_IMAGE=python:3.12-slim@sha256:78387bc3881b8273120a12ebe6c1ab22b018ccc2c9adf565ae1ac9b536e184ea

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_INPUT=1
COPY requirements/runtime.txt /tmp/runtime.txt
# Wheels only (--only-binary): nothing is compiled, so no compiler is needed here either.
# pip itself is removed from the venv afterwards: nothing installs at run time.
RUN python -m venv /opt/venv \
 && /opt/venv/bin/python -m pip install --no-cache-dir --require-hashes --no-deps \
      --only-binary=:all: -r /tmp/runtime.txt \
 && /opt/venv/bin/python -m pip uninstall --yes pip
COPY entrypoint.py /app/entrypoint.py
COPY src/publish_action /app/src/publish_action
# Byte-compiled at build time (pip did the same for the dependencies): a faster start, and
# nothing needs writing at run time.
RUN python -m compileall -q /app/src

FROM ${PYTHON_IMAGE}
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="publish-action" \
      org.opencontainers.image.description="Publish Python distributions to PyPI or any PyPI-compatible index; re-runs are safe." \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/org/publish-action" \
      org.opencontainers.image.documentation="https://github.com/org/publish-action#readme" \
      org.opencontainers.image.base.name="docker.io/library/python:3.12-slim"
# A system user without a home or shell. Group 0 and world-readable files let the image
# also run under any `--user UID:GID` (for example the CI's own, to read a dist/ that only
# that user can read); HOME and the caches point at /tmp, which every user can write.
RUN useradd --system --no-log-init --uid 10001 --gid 0 --no-create-home \
      --home-dir /nonexistent --shell /usr/sbin/nologin publisher
# Owned by root, readable by everyone: the user can run the code but not change it.
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
ENV PATH="/opt/venv/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUTF8=1 \
    HOME=/tmp \
    XDG_CACHE_HOME=/tmp/.cache
USER 10001:0
WORKDIR /work
ENTRYPOINT ["python", "/app/entrypoint.py"]
