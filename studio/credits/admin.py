from __future__ import annotations

from django.contrib import admin

from studio.credits.models import LedgerEntry


@admin.register(LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin):
    """Read only: the ledger is written by studio.credits.ledger, never by hand. (Deleting
    stays allowed: deleting a team in the admin cascades to its entries.)"""

    list_display = ["created_at", "kind", "credits", "model", "user", "team", "generation"]
    list_filter = ["kind", "model"]
    search_fields = ["note", "user__username", "team__name"]
    date_hierarchy = "created_at"
    list_select_related = ["user", "team", "generation"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
