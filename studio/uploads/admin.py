from __future__ import annotations

from django.contrib import admin

from studio.uploads.models import Upload


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "original_name", "width", "height", "bytes", "created_at")
    list_select_related = ("user",)
    search_fields = ("id", "original_name", "user__username", "sha256")
    raw_id_fields = ("user",)
    readonly_fields = ("file", "width", "height", "bytes", "sha256", "original_name")
