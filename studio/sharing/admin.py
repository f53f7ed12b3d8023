from __future__ import annotations

from django.contrib import admin

from studio.sharing.models import ShareLink


@admin.register(ShareLink)
class ShareLinkAdmin(admin.ModelAdmin):
    list_display = (
        "pk",
        "generation",
        "collection",
        "created_by",
        "created_at",
        "expires_at",
        "revoked_at",
    )
    list_filter = ("revoked_at",)
    readonly_fields = ("token",)
    raw_id_fields = ("generation", "collection", "created_by")
