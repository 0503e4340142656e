from django.contrib import admin

from kaiku.sso.models import IdentityLink


@admin.register(IdentityLink)
class IdentityLinkAdmin(admin.ModelAdmin):
    """The support service removes a link here when a person's account at a provider changed."""

    list_display = ["provider", "user", "created_at", "last_used_at"]
    list_filter = ["provider"]
    search_fields = ["user__email"]
    readonly_fields = ["provider", "subject", "user", "created_at", "last_used_at"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
