from __future__ import annotations

from django.contrib import admin

from studio.generation.models import Asset, Generation, Lease


class AssetInline(admin.TabularInline):
    model = Asset
    extra = 0
    readonly_fields = (
        "role",
        "index",
        "file",
        "thumbnail",
        "width",
        "height",
        "bytes",
        "sha256",
        "source_url",
    )
    can_delete = False


@admin.register(Generation)
class GenerationAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "user",
        "model",
        "action",
        "button",
        "status",
        "progress",
        "cost",
        "created_at",
    )
    list_filter = ("status", "model", "action", "is_sandbox")
    search_fields = ("id", "message_id", "prompt", "user__username")
    raw_id_fields = ("user", "parent", "provider_key")
    readonly_fields = (
        "message_id",
        "raw_message",
        "request_body",
        "created_at",
        "submitted_at",
        "finished_at",
    )
    inlines = [AssetInline]


@admin.register(Lease)
class LeaseAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "until")
