from django.urls import path

from kaiku.together import views

app_name = "together"
urlpatterns = [
    path("sites/<int:site_id>/requests/", views.site_requests, name="site_requests"),
    path("sites/<int:site_id>/requests/new/", views.site_request_new, name="site_request_new"),
    path("sites/<int:site_id>/requests/<int:pk>/", views.site_request, name="site_request"),
    path("venues/<int:venue_id>/requests/", views.venue_requests, name="venue_requests"),
    path("venues/<int:venue_id>/requests/<int:pk>/", views.venue_request, name="venue_request"),
    path("areas/<int:area_id>/partners/", views.area_partners, name="area_partners"),
    path("bulletins/", views.bulletins, name="bulletins"),
    path("bulletins/<int:pk>/read/", views.bulletin_read, name="bulletin_read"),
]
