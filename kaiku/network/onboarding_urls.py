"""Area onboarding's pages. Mounted at ``/partners/``: the paths are kept from when onboarding
lived in the partners app, so bookmarks and the docs keep working."""

from django.urls import path

from kaiku.network import onboarding_views as views

app_name = "onboarding"
urlpatterns = [
    path("areas/new/", views.area_create, name="area_create"),
    path("areas/<int:pk>/", views.onboarding, name="onboarding"),
    path("areas/<int:pk>/checklist/", views.checklist, name="checklist"),
    path("areas/<int:pk>/status/", views.area_status, name="area_status"),
    path("areas/<int:pk>/sites/new/", views.site_create, name="site_create"),
    path("areas/<int:pk>/sites.xlsx", views.site_export, name="site_export"),
    path("areas/<int:pk>/invitations/", views.invitations, name="invitations"),
    path("areas/<int:pk>/import/", views.import_sites, name="import_sites"),
    path("areas/<int:pk>/pilot-report.pdf", views.pilot_report, name="pilot_report"),
    path("areas/<int:pk>/public/", views.area_page, name="area_page"),
    path("areas/<int:pk>/brochure.pdf", views.brochure, name="brochure"),
    path("sites/<int:pk>/offboard/", views.site_offboard, name="site_offboard"),
    path("sites/<int:pk>/guideline/", views.acknowledge, name="acknowledge"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("invite/<str:token>/", views.accept, name="accept"),
    path("guidelines/", views.guidelines, name="guidelines"),
    path("venues/<int:pk>/staff/", views.venue_staff, name="venue_staff"),
]
