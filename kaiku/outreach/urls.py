from django.urls import path

from kaiku.outreach import views

app_name = "outreach"
urlpatterns = [
    path("sites/<int:site_id>/", views.site_home, name="site"),
    path("sites/<int:site_id>/renewals/", views.renewals, name="renewals"),
    path("sites/<int:site_id>/whats-on.pdf", views.site_whats_on, name="site_whats_on"),
    path("cards/<int:card_id>/tip/", views.tip_new, name="tip_new"),
    path("tips/<int:pk>/", views.tip_done, name="tip_done"),
    path("tips/<int:pk>/slip.pdf", views.tip_slip, name="tip_slip"),
    path("areas/<slug:slug>/whats-on.pdf", views.area_whats_on, name="area_whats_on"),
    path("areas/<int:area_id>/tips/", views.area_tips, name="area_tips"),
    path("areas/<int:area_id>/feedback/", views.area_feedback, name="area_feedback"),
    path("venues/<int:venue_id>/feedback/", views.venue_feedback, name="venue_feedback"),
]
