from django.contrib import admin

from kaiku.partners.models import (
    Acknowledgement,
    AgencyAuthorisation,
    ApiKey,
    AreaStatusChange,
    ChecklistEntry,
    GuidelineVersion,
    Invitation,
    TrainingReminder,
)


@admin.register(GuidelineVersion)
class GuidelineVersionAdmin(admin.ModelAdmin):
    list_display = ["version", "published_at", "published_by"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "site", "kind", "created_at", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["kind"]
    search_fields = ["email", "site__name"]
    exclude = ["token_hash"]
    readonly_fields = ["accepted_at", "accepted_by"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are created on the coordinator's page (the secret is shown once); here they are only read."""

    list_display = ["label", "prefix", "site", "scopes", "rate_limit", "last_used_at", "revoked_at"]
    exclude = ["key_hash"]
    readonly_fields = ["prefix", "site", "created_by", "created_at", "last_used_at"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


admin.site.register([Acknowledgement, AgencyAuthorisation, AreaStatusChange, ChecklistEntry, TrainingReminder])
