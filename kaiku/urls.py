from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

urlpatterns = [
    path("", include("kaiku.web.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/", include("kaiku.accounts.urls")),
    path("network/", include("kaiku.network.urls")),
    path("cards/", include("kaiku.cards.urls")),
    path("visits/", include("kaiku.visits.urls")),
    path("audit/", include("kaiku.audit.urls")),
    path("offers/", include("kaiku.offers.urls")),
    path("door/", include("kaiku.door.urls")),
    path("stats/", include("kaiku.stats.urls")),
    path("portal/", include("kaiku.portal.urls")),
    path("outreach/", include("kaiku.outreach.urls")),
    path("partners/", include("kaiku.network.onboarding_urls")),  # area onboarding: paths kept from partners
    path("partners/", include("kaiku.partners.urls")),
    path("privacy/", include("kaiku.privacy.urls")),
    path("sso/", include("kaiku.sso.urls")),
    path("together/", include("kaiku.together.urls")),
    path("reports/", include("kaiku.reports.urls")),
    path("takeover/", include("kaiku.takeover.urls")),
    path("api/", include("kaiku.web.api_urls")),
    path("django-admin/", admin.site.urls),
]
