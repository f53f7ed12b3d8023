"""docker-compose.yml, its env example and the gunicorn config hold together.

No Docker engine runs where these tests run, so the compose file is checked as data: the four
services, their images or build, the one-shot migration they wait for, health conditions,
volumes, and an env example that names every variable the studio needs in production.
"""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml", reason="PyYAML (requirements-dev.txt) parses the file")

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _env_example() -> dict[str, str]:
    pairs = {}
    for line in (ROOT / "studio.env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            pairs[name.strip()] = value.strip()
    return pairs


def test_four_services_and_a_one_shot_migration(compose):
    services = {
        name: service
        for name, service in compose["services"].items()
        if "profiles" not in service  # optional services (the S3-compatible store)
    }
    assert set(services) == {"web", "worker", "postgres", "redis", "migrate"}
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    for name in ("web", "worker", "migrate"):
        assert services[name]["build"] == "."  # the Dockerfile beside it
        assert services[name]["env_file"] == "studio.env"
        assert "data:/data" in services[name]["volumes"]  # results: worker writes, web serves
    assert services["worker"]["command"] == ["python", "manage.py", "qcluster"]
    assert "command" not in services["web"]  # the image's CMD: gunicorn with its config
    assert services["migrate"]["environment"]["STUDIO_MIGRATE"] == "true"
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "worker"):
        assert services[name]["environment"]["STUDIO_MIGRATE"] == "false"
        assert services[name]["depends_on"] == {
            "postgres": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        }
    for name in ("postgres", "redis"):
        assert services[name]["healthcheck"]["test"]
    assert "postgres:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert set(compose["volumes"]) == {"data", "postgres", "objects"}


def test_an_optional_s3_compatible_store(compose):
    """`docker compose --profile s3` adds MinIO and a one-shot bucket maker; the default
    `up` starts neither, and the studio's services do not wait for them."""
    services = compose["services"]
    assert services["minio"]["profiles"] == ["s3"] and services["minio-bucket"]["profiles"] == [
        "s3"
    ]
    assert "objects:/data" in services["minio"]["volumes"]
    assert services["minio-bucket"]["depends_on"] == {"minio": {"condition": "service_healthy"}}
    for name in ("web", "worker", "migrate"):
        assert not set(services[name].get("depends_on", {})) & {"minio", "minio-bucket"}
    commented = (ROOT / "studio.env.example").read_text()
    for name in ("STORAGE_BACKEND=s3", "S3_BUCKET=", "S3_ENDPOINT_URL=http://minio:9000"):
        assert f"# {name}" in commented


def test_env_example_points_at_the_services_and_hides_no_real_secret():
    env = _env_example()
    assert env["DATABASE_URL"].startswith("postgres://studio:")
    assert env["DATABASE_URL"].endswith("@postgres:5432/studio")
    assert env["DATABASE_URL"].split(":")[2].split("@")[0] == env["POSTGRES_PASSWORD"]
    assert env["REDIS_URL"] == "redis://redis:6379/0"
    assert env["DEBUG"] == "False"
    for secret in ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "POSTGRES_PASSWORD"):
        assert env[secret].startswith("change-me"), secret
    # The worker reaches the sandbox (served by web) by its service name, which web accepts.
    assert env["SANDBOX_BASE_URL"].startswith("http://web:8000/")
    assert "web" in env["ALLOWED_HOSTS"].split(",")


def test_settings_load_from_the_env_example(tmp_path):
    """The studio's settings accept the example as it is (secrets filled in)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(_env_example())
    env.update(
        SECRET_KEY="x" * 60,
        FIELD_ENCRYPTION_KEYS="A" * 43 + "=",
        DJANGO_SETTINGS_MODULE="studio.settings",
        STUDIO_VAR_DIR=str(tmp_path),
    )
    code = (
        "import django; from django.conf import settings; django.setup();"
        "print(settings.DATABASES['default']['ENGINE'], settings.DATABASES['default']['HOST'],"
        " settings.Q_CLUSTER.get('redis'), 'orm' in settings.Q_CLUSTER,"
        " settings.CACHES['default']['BACKEND'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [
        "django.db.backends.postgresql",
        "postgres",
        "redis://redis:6379/0",
        "False",
        "django.core.cache.backends.redis.RedisCache",
    ]


def test_gunicorn_config_reads_the_environment(monkeypatch):
    monkeypatch.setenv("GUNICORN_WORKERS", "3")
    monkeypatch.setenv("GUNICORN_THREADS", "6")
    monkeypatch.setenv("PORT", "9001")
    monkeypatch.delenv("GUNICORN_ACCESS_LOG", raising=False)
    config = runpy.run_path(str(ROOT / "docker" / "gunicorn.conf.py"))
    assert (config["workers"], config["threads"], config["bind"]) == (3, 6, "0.0.0.0:9001")
    assert config["worker_class"] == "gthread" and config["graceful_timeout"] > 0
    assert config["accesslog"] is None  # off unless asked for
    assert "%(q)s" not in config["access_log_format"]  # never the query string
    assert "%(r)s" not in config["access_log_format"]
