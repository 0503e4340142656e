from django.contrib import admin

from kaiku.partners.models import AgencyAuthorisation, ApiKey


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are created on the coordinator's page (the secret is shown once); here they are only read."""

    list_display = ["label", "prefix", "site", "scopes", "rate_limit", "last_used_at", "revoked_at"]
    exclude = ["key_hash"]
    readonly_fields = ["prefix", "site", "created_by", "created_at", "last_used_at"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


admin.site.register(AgencyAuthorisation)
