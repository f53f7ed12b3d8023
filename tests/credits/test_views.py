"""The usage page (numbers for a known ledger, per workspace) and the budgets page (who may
see and change what)."""

from __future__ import annotations

import re
from datetime import UTC, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from studio.credits import ledger
from studio.credits.models import Kind, LedgerEntry
from studio.teams.models import Membership, Team
from tests.credits.conftest import login, set_caps


def book(user, credits, *, team=None, model="midjourney", kind=Kind.CHARGE, days_ago=0):
    return LedgerEntry.objects.create(
        team=team,
        user=user,
        model=model,
        kind=kind,
        credits=credits,
        created_at=timezone.now() - timedelta(days=days_ago),
    )


def day_row(html: str, days_ago: int) -> list[str]:
    """The numbers of one day's row in the table under the chart."""
    day = (timezone.now() - timedelta(days=days_ago)).astimezone(UTC).date()
    row = re.search(rf'<tr><th scope="row"><time datetime="{day:%Y-%m-%d}">.*?</tr>', html)
    assert row, f"no row for {day}"
    return re.findall(r"<td>(-?\d+)</td>", row.group(0))


def model_row(model, label, month, month_jobs, recent, recent_jobs) -> str:
    return (
        f'<tr data-model="{model}"><th scope="row">{label}</th><td>{month}</td>'
        f"<td>{month_jobs}</td><td>{recent}</td><td>{recent_jobs}</td></tr>"
    )


@pytest.fixture
def known_ledger(alice, bob, carol, acme):
    """Acme: alice 10 (Midjourney) + a Flux job of 18 refunded, today; carol 6 (Nano
    Banana) three days ago and 10 long ago. Outside: alice's personal 5, another team's 7."""
    book(alice, 10, team=acme)
    book(alice, 18, team=acme, model="flux")
    book(alice, -18, team=acme, model="flux", kind=Kind.REFUND)
    book(carol, 6, team=acme, model="nano_banana", days_ago=3)
    book(carol, 10, team=acme, days_ago=45)
    book(alice, 5, model="lumi_girl")
    other = Team.objects.create(name="Other")
    book(bob, 7, team=other)


@pytest.mark.django_db
class TestUsagePage:
    def test_anonymous_is_sent_to_log_in(self, client):
        response = client.get("/usage/")

        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/?next=/usage/"

    def test_team_numbers_per_day_member_and_model(self, alice, carol, acme, known_ledger):
        set_caps(acme, team_cap=100, carol=20)
        three_days_ago_this_month = timezone.now() - timedelta(days=3) >= ledger.month_start()

        html = login(carol, acme).get("/usage/").content.decode()

        assert "Usage · Acme" in html
        # Columns: alice, bob, carol, vera, total.
        assert day_row(html, 0) == ["10", "0", "0", "0", "10"]
        assert day_row(html, 3) == ["0", "0", "6", "0", "6"]
        assert day_row(html, 1) == ["0", "0", "0", "0", "0"]
        assert re.search(r"<tfoot>.*<td>10</td><td>0</td><td>6</td><td>0</td><td>16</td>", html)
        assert "<title>alice, " in html and ": 10 credits</title>" in html
        assert re.search(r'fill="#[0-9A-Fa-f]+"><title>carol, \d+ \w+: 6 credits</title>', html)
        assert len(re.findall(r"<rect ", html)) == 2  # no empty bars
        month_nano = 6 if three_days_ago_this_month else 0
        assert model_row("midjourney", "Midjourney", 10, 1, 10, 1) in html
        assert model_row("flux", "Flux", 0, 1, 0, 1) in html
        assert (
            model_row("nano_banana", "Nano Banana", month_nano, int(bool(month_nano)), 6, 1) in html
        )
        assert "lumi_girl" not in html  # alice's personal spending stays out
        # Caps: the team spent 10 + (6 if this month) of 100; carol (6 or 0) of 20.
        team_spent = 10 + month_nano
        assert re.search(
            rf'data-budget="team">.*?<strong data-spent>{team_spent}</strong> of <span data-cap>100</span>',
            html,
            re.S,
        )
        assert re.search(
            rf'data-budget="you">.*?<strong data-spent>{month_nano}</strong> of <span data-cap>20</span>',
            html,
            re.S,
        )
        assert f'href="/usage/teams/{acme.pk}/budgets/">Budgets of Acme</a>' in html

    def test_personal_workspace_shows_only_my_own_spending(self, alice, acme, known_ledger):
        html = login(alice).get("/usage/").content.decode()

        assert "Usage · Personal" in html
        assert day_row(html, 0) == ["5", "5"]
        assert model_row("lumi_girl", "Lumi Girl", 5, 1, 5, 1) in html
        assert "Midjourney" not in html.split('id="models"')[1]
        assert "<strong data-spent>5</strong> credits spent this month" in html
        assert "Your personal workspace has no monthly cap." in html
        assert "/budgets/" not in html

    def test_an_owner_is_offered_to_change_the_caps(self, alice, acme):
        html = login(alice, acme).get("/usage/").content.decode()

        assert f'href="/usage/teams/{acme.pk}/budgets/">Change the caps</a>' in html
        assert "Nothing was spent in the last 30 days." in html

    def test_the_number_of_queries_does_not_grow_with_the_ledger(
        self, alice, bob, carol, acme, known_ledger
    ):
        client = login(alice, acme)
        with CaptureQueriesContext(connection) as few:
            assert client.get("/usage/").status_code == 200
        for n in range(60):
            book([alice, bob, carol][n % 3], n + 1, team=acme, model="flux", days_ago=n % 30)
        with CaptureQueriesContext(connection) as many:
            html = client.get("/usage/").content.decode()

        assert len(many) == len(few)
        assert re.search(r"<tfoot>.*<td>\d+</td></tr></tfoot>", html)


@pytest.mark.django_db
class TestBudgetsPage:
    def url(self, team) -> str:
        return f"/usage/teams/{team.pk}/budgets/"

    def test_strangers_and_unknown_teams_get_404(self, charlie, acme):
        client = login(charlie)

        assert client.get(self.url(acme)).status_code == 404
        assert client.post(self.url(acme), {"team_cap": "1"}).status_code == 404
        assert client.get("/usage/teams/not-a-uuid/budgets/").status_code == 404
        assert login(charlie).get(self.url(Team(name="ghost"))).status_code == 404
        acme.refresh_from_db()
        assert acme.monthly_cap is None

    def test_anonymous_is_sent_to_log_in(self, client, acme):
        response = client.get(self.url(acme))

        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")

    def test_a_member_sees_the_team_cap_and_their_own_read_only(self, vera, acme, carol):
        set_caps(acme, team_cap=300, vera=40, carol=25)
        book(vera, 12, team=acme)
        book(carol, 9, team=acme)

        html = login(vera).get(self.url(acme)).content.decode()

        assert re.search(r'data-budget="team">.*?>21</strong> of <span data-cap>300<', html, re.S)
        assert re.search(r'data-budget="you">.*?>12</strong> of <span data-cap>40<', html, re.S)
        assert "Only a team owner can change caps." in html
        assert '<input type="number"' not in html
        assert "carol" not in html  # other members' caps and spending are the owners' business

    def test_a_creator_cannot_change_caps(self, carol, acme):
        member = Membership.objects.get(team=acme, user=carol)

        response = login(carol).post(self.url(acme), {"team_cap": "1", f"cap_{member.pk}": "1000"})

        assert response.status_code == 403
        assert "Only a team owner can do that." in response.content.decode()
        acme.refresh_from_db()
        member.refresh_from_db()
        assert (acme.monthly_cap, member.monthly_cap) == (None, None)

    def test_an_owner_sees_every_member_with_their_spending(self, alice, carol, acme):
        set_caps(acme, team_cap=500, carol=50)
        book(carol, 30, team=acme)
        book(carol, 99, team=acme, days_ago=40)  # an earlier month

        html = login(alice).get(self.url(acme)).content.decode()

        carol_row = re.search(r'<tr data-member="carol">.*?</tr>', html, re.S).group(0)
        assert "Creator" in carol_row and "<td data-spent>30</td>" in carol_row
        assert 'value="50"' in carol_row
        team_row = re.search(r'<tr class="team-row">.*?</tr>', html, re.S).group(0)
        assert "<td data-spent>30</td>" in team_row and 'value="500"' in team_row
        assert re.findall(r'<tr data-member="(\w+)">', html) == ["alice", "bob", "carol", "vera"]

    def test_an_owner_saves_caps(self, bob, carol, vera, acme):
        members = {m.user.username: m for m in acme.memberships.select_related("user")}
        data = {f"cap_{m.pk}": "" for m in members.values()}
        data.update({"team_cap": "1000", f"cap_{members['carol'].pk}": "200"})

        response = login(bob).post(self.url(acme), data, follow=True)

        assert response.redirect_chain == [(self.url(acme), 302)]
        assert "Budgets saved." in response.content.decode()
        acme.refresh_from_db()
        assert acme.monthly_cap == 1000
        caps = dict(acme.memberships.values_list("user__username", "monthly_cap"))
        assert caps == {"alice": None, "bob": None, "carol": 200, "vera": None}

    def test_bad_numbers_are_refused_and_kept_and_nothing_is_saved(self, alice, carol, acme):
        set_caps(acme, team_cap=100, carol=10)
        member = Membership.objects.get(team=acme, user=carol)

        response = login(alice).post(self.url(acme), {"team_cap": "lots", f"cap_{member.pk}": "-5"})

        html = response.content.decode()
        assert response.status_code == 200
        assert "Enter a whole number of credits, or leave it empty for no cap." in html
        assert "A cap cannot be negative; leave it empty for no cap." in html
        assert 'value="lots"' in html and 'value="-5"' in html
        acme.refresh_from_db()
        member.refresh_from_db()
        assert (acme.monthly_cap, member.monthly_cap) == (100, 10)
