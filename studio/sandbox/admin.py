"""Admin views of sandbox accounts and jobs (read-mostly; keys are never shown)."""

from __future__ import annotations

from django.contrib import admin

from .imaginelab.models import SandboxLabAccount, SandboxLabGeneration, SandboxLabToken
from .models import SandboxAccount, SandboxDiscordToken, SandboxFault, SandboxJob


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


# ImagineLab sandbox (studio/sandbox/imaginelab/). Importing its models here also registers
# them with the `sandbox` app at start-up (admin autodiscovery), for makemigrations.


class SandboxLabTokenInline(admin.TabularInline):
    model = SandboxLabToken
    extra = 0
    fields = ["created_at", "expires_at"]
    readonly_fields = ["created_at"]


@admin.register(SandboxLabAccount)
class SandboxLabAccountAdmin(admin.ModelAdmin):
    """ImagineLab sandbox accounts: the wallet and the fault injection (`force_429`) are
    editable; the password and API key hashes are never shown."""

    list_display = ["email", "credits", "api_key_last4", "force_429", "created_at"]
    search_fields = ["email", "full_name"]
    exclude = ["password", "api_key_hash", "rate_window_start", "rate_count"]
    readonly_fields = ["api_key_last4", "created_at"]
    inlines = [SandboxLabTokenInline]

    def has_add_permission(self, request) -> bool:
        # Accounts come from POST /auth/signup or services.sandbox_lab_account_create.
        return False


@admin.register(SandboxLabGeneration)
class SandboxLabGenerationAdmin(admin.ModelAdmin):
    list_display = ["id", "generation_type", "model_name", "account", "outcome", "created_at"]
    list_filter = ["generation_type", "outcome"]
    search_fields = ["=id", "prompt"]
    raw_id_fields = ["account"]
    readonly_fields = ["file_key", "settings", "refunded", "files_ready"]


@admin.register(SandboxFault)
class SandboxFaultAdmin(admin.ModelAdmin):
    """Injected faults (faults/); the staff console's "Sandbox faults" page is the usual way."""

    list_display = [
        "provider",
        "kind",
        "account",
        "lab_account",
        "on",
        "remaining",
        "probability",
        "seconds",
        "credits",
        "created_at",
    ]
    list_filter = ["provider", "kind", "on"]
    raw_id_fields = ["account", "lab_account"]
