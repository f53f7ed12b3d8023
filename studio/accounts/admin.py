from __future__ import annotations

from django.contrib import admin

from studio.accounts.models import ProviderKey


@admin.register(ProviderKey)
class ProviderKeyAdmin(admin.ModelAdmin):
    """Keys are shown masked; the encrypted value is not even displayed."""

    list_display = ("name", "user", "masked", "is_sandbox", "created_at")
    list_filter = ("is_sandbox", "provider")
    search_fields = ("name", "user__username")
    raw_id_fields = ("user",)
    exclude = ("api_key_encrypted",)
    readonly_fields = ("last4", "is_sandbox", "created_at")

    def has_add_permission(self, request) -> bool:  # keys are added (and checked) in the studio
        return False
