# syntax=docker/dockerfile:1
# Studio image: one image, two services (TECH.md §8).
#   web:    docker run -v studio-data:/data -p 8000:8000 --env-file studio.env studio
#   worker: docker run -v studio-data:/data --env-file studio.env studio python manage.py qcluster
# or all of it (web, worker, PostgreSQL, Redis) with docker-compose.yml beside this file.
# Needs DEBUG=False (the default here), SECRET_KEY, FIELD_ENCRYPTION_KEYS, ALLOWED_HOSTS,
# SITE_URL and CSRF_TRUSTED_ORIGINS at run time (or the *_FILE variants for the secrets).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- builder: wheels for every pinned requirement --------------------------------------------
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
WORKDIR /build
COPY requirements.txt .
# All pins have manylinux wheels for CPython 3.11; a pin that needs compiling fails here,
# loudly, rather than dragging a compiler into the runtime image.
RUN pip wheel --wheel-dir /wheels -r requirements.txt

# --- runtime ---------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=studio.settings \
    DEBUG=False \
    STUDIO_VAR_DIR=/data \
    MEDIA_ROOT=/data/media

RUN groupadd --system --gid 1000 studio \
    && useradd --system --uid 1000 --gid studio --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin studio

# Install from the builder's wheels without copying them into a layer.
COPY requirements.txt /tmp/requirements.txt
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    python -m venv /opt/venv \
    && pip install --no-index --find-links=/wheels -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

WORKDIR /app
# Code stays owned by root: the studio user can read it, not change it.
COPY . /app
RUN chmod 0755 /app/docker/entrypoint.sh

# Static files with the production storage (hashed names + compressed copies for WhiteNoise).
# The secrets here are throw-away: settings refuse to load without them when DEBUG=False.
# Settings create STUDIO_VAR_DIR on import, so point it away from /data for this step.
RUN STUDIO_VAR_DIR=/tmp/build-var \
    SECRET_KEY=build-only-not-a-secret \
    FIELD_ENCRYPTION_KEYS=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= \
    python manage.py collectstatic --noinput \
    && rm -rf /tmp/build-var

# SQLite database, its WAL files and media live here; a new named volume inherits the owner.
RUN mkdir -p /data/media && chown -R studio:studio /data
VOLUME ["/data"]

USER studio
EXPOSE 8000

# Sends the first ALLOWED_HOSTS name as Host, so it passes host validation; the worker
# (qcluster, no HTTP) reports healthy while its process runs.
HEALTHCHECK --interval=30s --timeout=5s --start-period=40s --retries=3 \
    CMD ["python", "/app/docker/healthcheck.py"]

ENTRYPOINT ["/app/docker/entrypoint.sh"]
# Workers, threads, timeouts and the access log come from GUNICORN_* variables (see the file).
CMD ["gunicorn", "-c", "docker/gunicorn.conf.py", "studio.wsgi"]
