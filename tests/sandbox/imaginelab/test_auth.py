"""ImagineLab sandbox sign-in (https://api.imagineview.art "Authentication"): the form-encoded OAuth2 password flow,
bearer tokens that expire, dedicated API keys, sign-up, and FastAPI's `{"detail"}` errors."""

from __future__ import annotations

import pytest
import requests

from studio.sandbox.imaginelab.models import SandboxLabAccount, SandboxLabToken
from studio.sandbox.imaginelab.services import expire_tokens, sandbox_lab_account_create

from .conftest import LabApi, login

pytestmark = pytest.mark.django_db(transaction=True)


def test_login_form_encoded_gives_a_bearer_token_that_works(lab_base):
    email, password, _ = sandbox_lab_account_create()
    response = login(lab_base, email, password)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["access_token"] and body["expires_in"] == 3600
    me = LabApi(lab_base, body["access_token"]).get("auth/me")
    assert me.status_code == 200
    assert me.json()["email"] == email
    assert isinstance(me.json()["id"], int)
    # Only a hash of the token is stored.
    assert not SandboxLabToken.objects.filter(token_hash=body["access_token"]).exists()


def test_login_refuses_a_wrong_password_and_an_unknown_email(lab_base):
    email, _, _ = sandbox_lab_account_create()
    for username, password in ((email, "not-the-password"), ("nobody@example.com", "x" * 10)):
        response = login(lab_base, username, password)
        assert response.status_code == 401
        assert response.json() == {"detail": "Incorrect email or password"}
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_login_with_json_instead_of_a_form_is_a_422_naming_the_fields(lab_base):
    email, password, _ = sandbox_lab_account_create()
    response = requests.post(
        f"{lab_base}/auth/login", json={"username": email, "password": password}, timeout=10
    )
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert [item["loc"] for item in detail] == [["body", "username"], ["body", "password"]]
    assert all(item["msg"] == "Field required" for item in detail)


def test_an_expired_token_is_refused_and_signing_in_again_works(lab_base, lab):
    assert lab.get("auth/me").status_code == 200
    assert expire_tokens(lab.email) == 1
    refused = lab.get("credits/wallet")
    assert refused.status_code == 401
    assert refused.json() == {"detail": "Could not validate credentials"}
    fresh = login(lab_base, lab.email, lab.password).json()["access_token"]
    assert LabApi(lab_base, fresh).get("credits/wallet").status_code == 200


def test_token_lifetime_follows_the_setting(lab_base, settings):
    settings.SANDBOX_IMAGINELAB_TOKEN_TTL = 0
    email, password, _ = sandbox_lab_account_create()
    body = login(lab_base, email, password).json()
    assert body["expires_in"] == 0
    assert LabApi(lab_base, body["access_token"]).get("auth/me").status_code == 401


def test_the_dedicated_api_key_works_as_a_bearer_and_survives_token_expiry(make_lab):
    api = make_lab(use_key=True)
    expire_tokens(api.email)
    response = api.get("auth/me")
    assert response.status_code == 200
    assert response.json()["has_api_key"] is True


def test_missing_and_unknown_credentials(lab_base):
    anonymous = LabApi(lab_base, None)
    response = anonymous.get("generations/models")
    assert response.status_code == 401
    assert response.json() == {"detail": "Not authenticated"}
    response = LabApi(lab_base, "labtok_made-up").get("generations/models")
    assert response.status_code == 401
    assert response.json() == {"detail": "Could not validate credentials"}


def test_signup_takes_json_or_a_form_and_starts_with_credits(lab_base, settings):
    settings.SANDBOX_STARTING_CREDITS = 40
    made = requests.post(
        f"{lab_base}/auth/signup",
        json={"email": "Ada@Example.com", "password": "long-enough", "full_name": "Ada"},
        timeout=10,
    )
    assert made.status_code == 201, made.text
    assert made.json()["email"] == "ada@example.com"
    assert isinstance(made.json()["id"], int)
    by_form = requests.post(
        f"{lab_base}/auth/signup",
        data={"email": "bo@example.com", "password": "12345678"},
        timeout=10,
    )
    assert by_form.status_code == 201, by_form.text
    token = login(lab_base, "ada@example.com", "long-enough").json()["access_token"]
    assert LabApi(lab_base, token).balance() == 40
    assert SandboxLabAccount.objects.get(email="ada@example.com").password != "long-enough"


def test_signup_errors(lab_base):
    requests.post(
        f"{lab_base}/auth/signup",
        json={"email": "x@example.com", "password": "12345678"},
        timeout=10,
    )
    again = requests.post(
        f"{lab_base}/auth/signup",
        json={"email": "X@example.com", "password": "12345678"},
        timeout=10,
    )
    assert again.status_code == 400
    assert again.json() == {"detail": "Email already registered"}
    bad = requests.post(
        f"{lab_base}/auth/signup", json={"email": "not-an-email", "password": "short"}, timeout=10
    )
    assert bad.status_code == 422
    assert [item["loc"][-1] for item in bad.json()["detail"]] == ["email", "password"]


def test_forgot_password_answers_the_same_for_anyone(lab_base):
    for email in ("nobody@example.com", sandbox_lab_account_create()[0]):
        response = requests.post(
            f"{lab_base}/auth/forgot-password", json={"email": email}, timeout=10
        )
        assert response.status_code == 200
        assert "reset link" in response.json()["message"]


def test_unknown_routes_and_methods_answer_like_fastapi(lab_base, lab):
    assert lab.get("nothing/here").json() == {"detail": "Not Found"}
    assert lab.get("nothing/here").status_code == 404
    wrong = lab.session.put(f"{lab_base}/credits/wallet", timeout=10)
    assert wrong.status_code == 405
    assert wrong.json() == {"detail": "Method Not Allowed"}
