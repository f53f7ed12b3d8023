"""Production settings pass Django's deployment checklist, and their headers reach the browser.

Run in a subprocess: settings are read once per process, from the environment, as in
production (DEBUG=False, secrets given, nothing generated)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]

HEADERS_SCRIPT = """
import json
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
client = Client()
plain = client.get("/accounts/login/", headers={"X-Forwarded-Proto": "http"})
secure = client.get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})
cookie = secure.cookies.get("csrftoken")
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location", "")],
    "secure": secure.status_code,
    "hsts": secure.get("Strict-Transport-Security", ""),
    "csp": secure.get("Content-Security-Policy", ""),
    "frame": secure.get("X-Frame-Options", ""),
    "nosniff": secure.get("X-Content-Type-Options", ""),
    "referrer": secure.get("Referrer-Policy", ""),
    "coop": secure.get("Cross-Origin-Opener-Policy", ""),
    "csrf_cookie_secure": bool(cookie and cookie["secure"]),
}))
"""


def production_env(tmp_path) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL", "REDIS_URL")
        and not key.startswith(("SECURE_", "SANDBOX_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="studio.settings",
        DEBUG="False",
        SECRET_KEY=secrets.token_urlsafe(60),
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="studio.example.com,testserver",
        SITE_URL="https://studio.example.com",
        STUDIO_VAR_DIR=str(tmp_path),
    )
    return env


def manage(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    done = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout, done.stdout + done.stderr


def test_production_answers_carry_https_only_headers(tmp_path):
    """Plain HTTP is sent to HTTPS; over HTTPS: a year of HSTS with subdomains, the CSP,
    no framing, no sniffing, a same-origin referrer and opener, a Secure CSRF cookie."""
    env = production_env(tmp_path)
    # No collectstatic here: plain static storage (the manifest is `make test`'s own check).
    env["STATICFILES_BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    done = manage(env, "shell", "-c", HEADERS_SCRIPT)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["plain"][0] == 301 and got["plain"][1].startswith("https://"), got
    assert got["secure"] == 200, got
    hsts = dict(
        (part.strip().split("=") + [""])[:2] for part in got["hsts"].split(";") if part.strip()
    )
    assert int(hsts["max-age"]) >= 365 * 24 * 3600 and "includeSubDomains" in hsts, got
    assert "default-src 'self'" in got["csp"] and "unsafe" not in got["csp"], got
    assert (got["frame"], got["nosniff"]) == ("DENY", "nosniff"), got
    assert (got["referrer"], got["coop"]) == ("same-origin", "same-origin"), got
    assert got["csrf_cookie_secure"], got
