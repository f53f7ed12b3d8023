"""`python manage.py sandbox_key USERNAME`: print a working ImaginePro sandbox key of that
person, opening a sandbox account for them when they have none, so the provider's SDK or
curl can be pointed at the sandbox (README, "The sandbox from outside")."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404

from studio.accounts import services
from studio.accounts.models import ProviderKey


class Command(BaseCommand):
    help = (
        "Print an ImaginePro sandbox key of USERNAME (creating one if needed) on stdout, "
        "and its base URL on stderr."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No one is called {username!r} here.")
        key = (
            ProviderKey.objects.filter(
                user=user,
                team__isnull=True,
                is_sandbox=True,
                provider=ProviderKey.PROVIDER_IMAGINEPRO,
            )
            .order_by("created_at")
            .first()
        )
        if key is None:
            try:
                key = services.sandbox_key_create(user=user)
            except Http404 as exc:
                raise CommandError(
                    "The sandbox is not installed here (SANDBOX_ENABLED is off)."
                ) from exc
            self.stderr.write(f"Opened a sandbox account for {username}: key “{key.name}”.")
        self.stderr.write(f"Base URL: {key.base_url}")
        self.stdout.write(key.api_key)
