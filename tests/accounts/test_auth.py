"""Signing up, logging in and out, and resetting a forgotten password."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail

PASSWORD = "correct-horse-42"  # the conftest users' password
NEW_PASSWORD = "another-tulip-77"


@pytest.mark.django_db
class TestSignup:
    def test_new_account_is_logged_in_and_sent_to_the_keys_page(self, client):
        response = client.post(
            "/accounts/signup/",
            {
                "username": "bob",
                "email": "bob@example.com",
                "password1": "quiet-river-93",
                "password2": "quiet-river-93",
            },
        )

        assert response.status_code == 302
        assert response["Location"] == "/accounts/keys/"
        bob = User.objects.get(username="bob")
        assert bob.email == "bob@example.com"
        page = client.get("/accounts/keys/")
        assert page.status_code == 200
        assert page.wsgi_request.user == bob
        assert "<summary>bob</summary>" in page.content.decode()  # the account menu
        assert "Log out" in page.content.decode()
        assert "Welcome! Add an ImaginePro key" in page.content.decode()

    def test_mismatched_passwords_create_nobody(self, client):
        response = client.post(
            "/accounts/signup/",
            {
                "username": "bob",
                "email": "bob@example.com",
                "password1": "quiet-river-93",
                "password2": "quiet-river-94",
            },
        )

        assert response.status_code == 200
        assert "didn’t match" in response.content.decode()
        assert not User.objects.filter(username="bob").exists()
        assert not response.wsgi_request.user.is_authenticated

    def test_email_is_required(self, client):
        response = client.post(
            "/accounts/signup/",
            {"username": "bob", "password1": "quiet-river-93", "password2": "quiet-river-93"},
        )

        assert response.status_code == 200
        assert response.context["form"].errors["email"]
        assert not User.objects.filter(username="bob").exists()

    def test_logged_in_person_is_sent_to_the_gallery(self, alice_client):
        response = alice_client.get("/accounts/signup/")

        assert response.status_code == 302
        assert response["Location"] == "/"


@pytest.mark.django_db
class TestLogin:
    def test_right_password_logs_in_and_opens_the_gallery(self, client, alice):
        response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})

        assert response.status_code == 302
        assert response["Location"] == "/"
        gallery = client.get("/")
        assert gallery.status_code == 200
        assert gallery.wsgi_request.user == alice

    def test_login_returns_to_the_page_asked_for(self, client, alice):
        response = client.post(
            "/accounts/login/?next=/accounts/keys/",
            {"username": "alice", "password": PASSWORD, "next": "/accounts/keys/"},
        )

        assert response.status_code == 302
        assert response["Location"] == "/accounts/keys/"

    def test_wrong_password_is_refused(self, client, alice):
        response = client.post("/accounts/login/", {"username": "alice", "password": "nope-nope"})

        assert response.status_code == 200
        assert "enter a correct username and password" in response.content.decode()
        assert client.get("/").status_code == 302


@pytest.mark.django_db
class TestLogout:
    def test_post_logs_out_and_the_gallery_then_asks_to_log_in(self, alice_client):
        assert alice_client.get("/").status_code == 200

        response = alice_client.post("/accounts/logout/")

        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/"
        after = alice_client.get("/")
        assert after.status_code == 302
        assert after["Location"].startswith("/accounts/login/")


def _reset_link(body: str) -> str:
    match = re.search(r"https?://testserver(/accounts/reset/[^/\s]+/[^/\s]+/)", body)
    assert match, body
    return match.group(1)


@pytest.mark.django_db
class TestPasswordReset:
    def test_email_with_a_link_is_sent(self, client, alice):
        response = client.post("/accounts/password_reset/", {"email": "alice@example.com"})

        assert response.status_code == 302
        assert response["Location"] == "/accounts/password_reset/done/"
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == ["alice@example.com"]
        _reset_link(message.body)

    def test_unknown_address_gets_no_email_but_the_same_answer(self, client, alice):
        response = client.post("/accounts/password_reset/", {"email": "nobody@example.com"})

        assert response.status_code == 302
        assert response["Location"] == "/accounts/password_reset/done/"
        assert mail.outbox == []

    def test_link_sets_a_new_password_that_logs_in(self, client, alice):
        client.post("/accounts/password_reset/", {"email": "alice@example.com"})
        link = _reset_link(mail.outbox[0].body)

        form_page = client.get(link, follow=True)
        assert form_page.status_code == 200
        assert "Choose a new password" in form_page.content.decode()
        set_password_url = form_page.redirect_chain[-1][0]

        done = client.post(
            set_password_url,
            {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
        assert done.status_code == 302
        assert done["Location"] == "/accounts/reset/done/"

        assert not client.login(username="alice", password=PASSWORD)
        login = client.post("/accounts/login/", {"username": "alice", "password": NEW_PASSWORD})
        assert login.status_code == 302
        assert client.get("/").wsgi_request.user == alice

    def test_used_link_does_not_work_twice(self, client, alice):
        client.post("/accounts/password_reset/", {"email": "alice@example.com"})
        link = _reset_link(mail.outbox[0].body)
        set_password_url = client.get(link, follow=True).redirect_chain[-1][0]
        client.post(
            set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        )

        again = client.get(link, follow=True)

        assert "This link has expired" in again.content.decode()
