"""Admin views of sandbox accounts and jobs (read-mostly; keys are never shown)."""

from __future__ import annotations

from django.contrib import admin

from .models import SandboxAccount, SandboxDiscordToken, SandboxJob


@admin.register(SandboxAccount)
class SandboxAccountAdmin(admin.ModelAdmin):
    list_display = ["label", "key_last4", "credits", "credits_quota", "diy", "created_at"]
    search_fields = ["label", "email"]
    exclude = ["key_hash"]

    def has_add_permission(self, request) -> bool:
        # Accounts come from services.sandbox_account_create, which makes and hashes the key.
        return False


@admin.register(SandboxJob)
class SandboxJobAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "action", "account", "outcome", "created_at", "ends_at"]
    list_filter = ["kind", "outcome"]
    search_fields = ["id", "prompt", "ref"]
    raw_id_fields = ["account", "parent"]
    readonly_fields = [
        "request_body",
        "inputs",
        "webhook_sent_at",
        "webhook_status",
        "webhook_error",
    ]


@admin.register(SandboxDiscordToken)
class SandboxDiscordTokenAdmin(admin.ModelAdmin):
    """Linked Discord accounts of DIY sandbox accounts (the simulated token is not shown)."""

    list_display = ["id", "account", "mode", "is_active", "banned", "concurrency"]
    list_filter = ["mode", "is_active", "banned"]
    raw_id_fields = ["account"]
    exclude = ["token"]
