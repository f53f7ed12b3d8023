"""Reading settings from the environment: typed values with defaults, secrets from files.

studio/settings.py reads every variable through these; a malformed value stops the start.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def envbool(name: str, default: str) -> bool:
    """Read a boolean; anything but "True"/"False" is a configuration error."""
    value = os.getenv(name, default)
    if value not in ("True", "False"):
        raise ImproperlyConfigured(f"{name} must be True or False, not {value!r}")
    return value == "True"


def envint(name: str, default: int) -> int:
    return int(os.getenv(name, str(default)))


def envfloat(name: str, default: float) -> float:
    return float(os.getenv(name, str(default)))


def envsecret(name: str, default: str = "") -> str:
    """Read a secret from NAME, or from the file named by NAME_FILE (Docker secrets)."""
    path = os.getenv(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.getenv(name, default)


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]


@dataclass(frozen=True)
class ObjectStoreConfig:
    """The stored files' backend as the environment chooses it (README "Several machines").

    storage: STORAGES["default"]; trusted_inputs: URL prefixes the sandbox may fetch from
    although internal (a store on loopback or a private network, e.g. MinIO in compose);
    link_seconds: how long a presigned link sent to a provider lasts (S3_LINK_SECONDS)."""

    backend: str
    storage: dict
    trusted_inputs: list[str]
    link_seconds: int = 7200


def object_store_config() -> ObjectStoreConfig:
    """STORAGE_BACKEND=local (the default): FileSystemStorage under MEDIA_ROOT. =s3: an
    S3-compatible object store through django-storages, from S3_BUCKET, S3_REGION,
    S3_ENDPOINT_URL (MinIO, Ceph, R2, B2…; unset for AWS), S3_ADDRESSING_STYLE (default
    "path" with an endpoint), S3_PREFIX, and the credentials AWS_ACCESS_KEY_ID and
    AWS_SECRET_ACCESS_KEY (or their *_FILE). The bucket stays private (no ACL): pages read
    through the studio's access-checked views, providers get presigned links. Raises
    ImproperlyConfigured for any other STORAGE_BACKEND."""
    backend = os.getenv("STORAGE_BACKEND", "local").strip().lower()
    if backend == "local":
        return ObjectStoreConfig(
            backend, {"BACKEND": "django.core.files.storage.FileSystemStorage"}, []
        )
    if backend != "s3":
        raise ImproperlyConfigured(f"STORAGE_BACKEND must be 'local' or 's3', not {backend!r}.")
    bucket = os.getenv("S3_BUCKET", "")
    endpoint = os.getenv("S3_ENDPOINT_URL", "").rstrip("/")
    options = {
        "bucket_name": bucket,
        "region_name": os.getenv("S3_REGION") or None,
        "endpoint_url": endpoint or None,
        "access_key": envsecret("AWS_ACCESS_KEY_ID") or None,
        "secret_key": envsecret("AWS_SECRET_ACCESS_KEY") or None,
        # A custom endpoint is often an address, not a name: the bucket goes in the path.
        "addressing_style": os.getenv("S3_ADDRESSING_STYLE") or ("path" if endpoint else None),
        "signature_version": "s3v4",
        "default_acl": None,
        "querystring_auth": True,
        "file_overwrite": False,  # as on disk: a name already taken gets another
        "location": os.getenv("S3_PREFIX", ""),
    }
    trusted = [f"{endpoint}/{bucket}/"] if endpoint else []
    storage = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
    return ObjectStoreConfig(backend, storage, trusted, envint("S3_LINK_SECONDS", 7200))
