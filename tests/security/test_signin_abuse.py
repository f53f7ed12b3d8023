"""Sign-in and password-reset abuse, as the people involved notice it: a stranger failing
for alice at one address does not keep alice out at another, and is stopped at their own
address with a sentence saying when to try again; the reset page sends a few mails to one
email an hour and reads the same whether or not an account uses the address; every limit
ends when its sentence said (settings.RATELIMIT_LOGIN / _LOGIN_ADDRESS / _RESET_EMAIL /
_RESET_ADDRESS, their defaults: 10 per 15 min, 40 per 15 min, 3 an hour, 10 an hour)."""

from __future__ import annotations

import re
import zlib

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-42"  # tests/conftest.py's users
STRANGER = "10.0.0.66"
ALICE_AT_HOME = "10.0.0.7"


def log_in(username: str, password: str, address: str):
    return Client().post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def signed_in(response) -> bool:
    return response.status_code == 302 and response.wsgi_request.user.is_authenticated


def minutes_to_wait(response) -> int:
    """The figure in 'Try again in 14 minutes.' on a refused page."""
    page = response.content.decode()
    found = re.search(
        r"Too many sign-in attempts from your address\. Try again in (\d+) minute", page
    )
    assert found, page
    return int(found.group(1))


class TestStranger:
    def test_twenty_failures_at_one_address_do_not_keep_alice_out_at_another(
        self, alice, ratelimit_clock
    ):
        for _ in range(20):
            assert not signed_in(log_in("alice", "guess", STRANGER))
        assert signed_in(log_in("alice", PASSWORD, ALICE_AT_HOME))

    def test_the_stranger_is_stopped_for_alice_at_their_address(self, alice, ratelimit_clock):
        answers = [log_in("alice", "guess", STRANGER) for _ in range(11)]
        assert [a.status_code for a in answers] == [200] * 10 + [429]
        # Even the right password is not checked there now, and the page says when.
        refused = log_in("alice", PASSWORD, STRANGER)
        assert refused.status_code == 429 and not signed_in(refused)
        assert 1 <= minutes_to_wait(refused) <= 15
        # Another username from that address is not stopped by alice's count.
        assert log_in("bob", "guess", STRANGER).status_code == 200

    def test_the_stranger_is_stopped_for_any_name_after_the_address_limit(
        self, alice, ratelimit_clock
    ):
        for number in range(40):
            assert log_in(f"someone{number}", "guess", STRANGER).status_code == 200
        refused = log_in("alice", PASSWORD, STRANGER)
        assert refused.status_code == 429 and not signed_in(refused)
        assert log_in("nobody-tried-yet", "guess", STRANGER).status_code == 429
        assert 1 <= minutes_to_wait(refused) <= 15
        # Alice at home is not concerned.
        assert signed_in(log_in("alice", PASSWORD, ALICE_AT_HOME))


class TestLimitsEnd:
    def test_the_username_limit_at_one_address_ends_when_the_sentence_said(
        self, alice, ratelimit_clock
    ):
        for _ in range(10):
            log_in("alice", "guess", STRANGER)
        refused = log_in("alice", PASSWORD, STRANGER)
        wait = minutes_to_wait(refused)
        ratelimit_clock.advance(
            wait * 60 - 61
        )  # a minute before: still refused, with a shorter wait
        still = log_in("alice", PASSWORD, STRANGER)
        assert still.status_code == 429
        assert minutes_to_wait(still) <= max(1, wait - 1)
        ratelimit_clock.advance(61)
        assert signed_in(log_in("alice", PASSWORD, STRANGER))

    def test_a_wait_of_whole_minutes_is_not_a_second_short(self, alice, ratelimit_clock):
        # Put the clock exactly 14 minutes before the end of the stranger's 15-minute window
        # (the library staggers each key's window by a CRC32 of the address).
        stagger = zlib.crc32(STRANGER.encode()) % 900
        ratelimit_clock.now = float(1_800_000_000 - 1_800_000_000 % 900 + stagger - 14 * 60)
        for _ in range(10):
            log_in("alice", "guess", STRANGER)
        refused = log_in("alice", PASSWORD, STRANGER)
        wait = minutes_to_wait(refused)
        ratelimit_clock.advance(wait * 60)
        assert signed_in(log_in("alice", PASSWORD, STRANGER))

    def test_the_address_limit_ends_when_the_sentence_said(self, alice, ratelimit_clock):
        for number in range(40):
            log_in(f"someone{number}", "guess", STRANGER)
        refused = log_in("alice", PASSWORD, STRANGER)
        wait = minutes_to_wait(refused)
        assert wait <= 15
        ratelimit_clock.advance(wait * 60 - 61)
        assert log_in("alice", PASSWORD, STRANGER).status_code == 429
        ratelimit_clock.advance(61)
        assert signed_in(log_in("alice", PASSWORD, STRANGER))


SAME_SENTENCE = "If an account uses that address, a link to reset the password is on its way."


def main_of(response) -> str:
    """The page's <main> (the rest holds a per-request CSRF token)."""
    page = response.content.decode()
    return page[page.index("<main") : page.index("</main>")]


def ask_reset(email: str, address: str = STRANGER):
    return Client().post(
        reverse("password_reset"), {"email": email}, REMOTE_ADDR=address, follow=True
    )


class TestPasswordReset:
    def test_three_mails_an_hour_to_one_email_and_the_same_sentence_each_time(
        self, alice, ratelimit_clock
    ):
        answers = [ask_reset("alice@example.com") for _ in range(15)]
        assert len(mail.outbox) == 3
        assert {m.to[0] for m in mail.outbox} == {"alice@example.com"}
        assert SAME_SENTENCE in main_of(answers[0])
        assert {(a.status_code, main_of(a)) for a in answers} == {(200, main_of(answers[0]))}
        # Another address is no way round the per-email count (nor is the case of the email).
        ask_reset("ALICE@example.com ", address="10.0.0.99")
        assert len(mail.outbox) == 3

    def test_pages_read_the_same_for_a_known_an_unknown_and_an_over_limit_email(
        self, alice, ratelimit_clock
    ):
        first = main_of(ask_reset("alice@example.com"))
        unknown = main_of(ask_reset("nobody@example.com"))
        for _ in range(3):
            over = main_of(ask_reset("alice@example.com"))
        assert SAME_SENTENCE in first and first == unknown == over
        assert len(mail.outbox) == 3  # only alice's first three asks sent anything

    def test_ten_requests_an_hour_from_one_address(self, alice, ratelimit_clock):
        for number in range(10):
            ask_reset(f"nobody{number}@example.com")
        refused = ask_reset("alice@example.com")
        assert SAME_SENTENCE in refused.content.decode()
        assert mail.outbox == []
        # From her own address alice still gets her link.
        ask_reset("alice@example.com", address=ALICE_AT_HOME)
        assert len(mail.outbox) == 1

    def test_the_email_limit_ends_after_an_hour(self, alice, ratelimit_clock):
        for _ in range(4):
            ask_reset("alice@example.com")
        assert len(mail.outbox) == 3
        ratelimit_clock.advance(3600)
        ask_reset("alice@example.com")
        assert len(mail.outbox) == 4
