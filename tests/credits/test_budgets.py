"""Monthly caps: a submit that would pass a member's or the team's cap is refused before
anything is stored, queued or sent, with a sentence naming the cap, the spend, the cost and
the owners; a refund frees room."""

from __future__ import annotations

import pytest
from django.db import transaction

from studio.accounts.services import sandbox_key_create
from studio.credits import budgets, ledger
from studio.credits.budgets import BudgetExceeded
from studio.credits.models import Kind, LedgerEntry
from studio.generation import services
from studio.generation.models import Generation, Status
from studio.sandbox.models import SandboxJob
from tests.credits.conftest import login, set_caps
from tests.factories import MidjourneyJobFactory
from tests.support import run_to_final

MEMBER_REFUSAL = (
    "This would pass your monthly cap in Acme: 95 of 100 credits spent this month, "
    "and this costs 12. A team owner (alice, bob) can raise it."
)
TEAM_REFUSAL = (
    "This would pass the monthly cap of Acme: 95 of 100 credits spent this month, "
    "and this costs 10. A team owner (alice, bob) can raise it."
)


def spend(team, user, credits: int) -> None:
    """Earlier spending this month (a job made before this test)."""
    LedgerEntry.objects.create(
        team=team, user=user, model="midjourney", kind=Kind.CHARGE, credits=credits
    )


def flux_form(key, n=2) -> dict:
    return {
        "prompt": "a cabin in the woods",
        "n": str(n),
        "aspect_ratio": "16:9",
        "output_format": "png",
        "key": key.pk,
    }


@pytest.mark.django_db(transaction=True)
class TestRefusal:
    def test_member_cap_refuses_on_the_form_and_nothing_is_stored_or_sent(
        self, alice, carol, acme, team_key, sandbox_url, task_queue
    ):
        set_caps(acme, carol=100)
        spend(acme, carol, 95)
        client = login(carol, acme)

        response = client.post("/new/flux/", flux_form(team_key, n=2))  # 12 credits

        assert response.status_code == 400
        html = response.content.decode()
        assert MEMBER_REFUSAL in html
        assert "a cabin in the woods</textarea>" in html  # what was typed is kept
        assert not Generation.objects.exists()
        assert not task_queue.tasks()
        assert LedgerEntry.objects.count() == 1
        # An owner raises her cap: the same submit goes through, and the sandbox gets that
        # one job only.
        caps = {f"cap_{m.pk}": m.monthly_cap or "" for m in acme.memberships.all()}
        caps[f"cap_{acme.memberships.get(user=carol).pk}"] = "110"
        raised = login(alice).post(f"/usage/teams/{acme.pk}/budgets/", {"team_cap": "", **caps})
        assert raised.status_code == 302
        assert client.post("/new/flux/", flux_form(team_key, n=2)).status_code == 302
        generation = run_to_final(Generation.objects.get())
        assert generation.status == Status.DONE
        assert SandboxJob.objects.count() == 1
        assert ledger.spent(acme, carol) == 107

    def test_team_cap_refuses_whoever_spends(self, alice, bob, carol, acme, team_key, task_queue):
        set_caps(acme, team_cap=100)  # carol has no cap of her own
        spend(acme, alice, 60)
        spend(acme, bob, 35)

        with pytest.raises(BudgetExceeded) as refused:
            MidjourneyJobFactory(user=carol, provider_key=team_key)

        assert str(refused.value) == TEAM_REFUSAL
        assert isinstance(refused.value, services.GenerationError)
        assert not Generation.objects.exists()
        assert not task_queue.tasks()

    def test_the_member_cap_is_checked_before_the_team_cap(self, carol, acme, team_key):
        set_caps(acme, team_cap=50, carol=20)
        spend(acme, carol, 15)

        with pytest.raises(BudgetExceeded, match="your monthly cap in Acme: 15 of 20"):
            MidjourneyJobFactory(user=carol, provider_key=team_key)

    def test_reaching_the_cap_exactly_is_allowed(self, carol, acme, team_key):
        set_caps(acme, team_cap=100, carol=100)
        spend(acme, carol, 90)

        MidjourneyJobFactory(user=carol, provider_key=team_key)

        assert ledger.spent(acme, carol) == 100
        with pytest.raises(BudgetExceeded, match="100 of 100 credits spent this month"):
            MidjourneyJobFactory(user=carol, provider_key=team_key)

    def test_last_months_spending_does_not_count(self, carol, acme, team_key):
        set_caps(acme, carol=10)
        LedgerEntry.objects.create(
            team=acme,
            user=carol,
            model="midjourney",
            kind=Kind.CHARGE,
            credits=500,
            created_at=ledger.month_start() - ledger.month_start().resolution,
        )

        MidjourneyJobFactory(user=carol, provider_key=team_key)

        assert ledger.spent(acme, carol) == 10

    def test_the_personal_workspace_has_no_cap(self, carol, acme, team_key):
        set_caps(acme, team_cap=0, carol=0)
        own_key = sandbox_key_create(user=carol)

        MidjourneyJobFactory(user=carol, provider_key=own_key)

        assert ledger.spent(None, carol) == 10
        with pytest.raises(BudgetExceeded):
            MidjourneyJobFactory(user=carol, provider_key=team_key)

    def test_check_outside_a_transaction_is_a_programming_error(self, carol, acme):
        with pytest.raises(RuntimeError):
            budgets.check(user=carol, team_id=acme.pk, cost=10)
        with transaction.atomic():
            budgets.check(user=carol, team_id=acme.pk, cost=10)  # no caps: fits


@pytest.mark.django_db(transaction=True)
class TestRoom:
    def test_a_refund_frees_room_under_the_cap(self, carol, acme, team_key, sandbox_url):
        set_caps(acme, carol=10)
        failing = MidjourneyJobFactory(
            user=carol, provider_key=team_key, prompt="a banned lighthouse at dusk"
        )
        with pytest.raises(BudgetExceeded, match="10 of 10 credits"):
            MidjourneyJobFactory(user=carol, provider_key=team_key)

        assert run_to_final(failing).status == Status.FAILED  # the sandbox's moderation

        assert ledger.spent(acme, carol) == 0
        again = MidjourneyJobFactory(user=carol, provider_key=team_key)
        assert run_to_final(again).status == Status.DONE
        assert ledger.spent(acme, carol) == 10


@pytest.mark.django_db
class TestFormRefusal:
    def test_a_form_can_ask_before_doing_anything(self, alice, carol, acme, team_key, alice_key):
        set_caps(acme, carol=100)
        spend(acme, carol, 95)

        assert budgets.refusal(user=carol, provider_key=team_key, cost=5) is None
        assert budgets.refusal(user=carol, provider_key=team_key, cost=12) == MEMBER_REFUSAL
        assert budgets.refusal(user=alice, provider_key=alice_key, cost=10_000) is None
        assert not Generation.objects.exists()

    def test_an_upload_form_over_the_cap_stores_no_file(self, carol, acme, team_key):
        """Nano Banana (6 credits) with a reference image: refused before the upload is
        stored, with what was typed kept."""
        from studio.uploads.models import Upload
        from tests.uploads.conftest import image_file

        set_caps(acme, carol=100)
        spend(acme, carol, 97)

        response = login(carol, acme).post(
            "/new/nano-banana/",
            {
                "key": str(team_key.pk),
                "prompt": "a fox made of glass",
                "model": "nano-banana-2",
                "reference_images": [image_file("fox.png")],
            },
        )

        html = response.content.decode()
        assert response.status_code == 400
        assert "This would pass your monthly cap in Acme: 97 of 100 credits" in html
        assert "a fox made of glass" in html
        assert not Upload.objects.exists()
        assert not Generation.objects.exists()
