from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from kaiku.cards.services import create_stock
from kaiku.network.models import (
    Acknowledgement,
    Area,
    AreaStatusChange,
    ChecklistEntry,
    GuidelineVersion,
    Invitation,
    Municipality,
    NationalSettings,
    Site,
    TrainingReminder,
)


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "status", "local_only"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["code", "name_fi", "name_sv", "area"]
    search_fields = ["code", "name_fi", "name_sv"]


@admin.action(description="Generate 100 unregistered card numbers (card stock)")
def generate_stock(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Site]) -> None:
    for site in queryset.filter(kind=Site.Kind.DISTRIBUTOR):
        create_stock(site, 100, actor=request.user)
        messages.success(request, f"100 card numbers for {site}")


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "area", "sector", "organisation", "offboarded_at"]
    list_filter = ["kind", "area", "sector", ("offboarded_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "organisation"]
    actions = [generate_stock]


admin.site.register(NationalSettings)


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


admin.site.register([Acknowledgement, AreaStatusChange, ChecklistEntry, TrainingReminder])
