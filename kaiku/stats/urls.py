from django.urls import path

from kaiku.stats import views

app_name = "stats"
urlpatterns = [
    path("", views.index, name="index"),
    path("national/", views.dashboard, {"level": "national"}, name="national"),
    path("national/export/", views.export, {"level": "national"}, name="national_export"),
    path("national/yearly/", views.yearly, name="yearly"),
    path("area/<int:area_id>/", views.dashboard, {"level": "area"}, name="area"),
    path("area/<int:area_id>/export/", views.export, {"level": "area"}, name="area_export"),
    path("area/<int:area_id>/report.pdf", views.area_report, name="area_report"),
    path("site/<int:site_id>/", views.dashboard, {"level": "site"}, name="site"),
    path("site/<int:site_id>/export/", views.export, {"level": "site"}, name="site_export"),
    path("venue/<int:venue_id>/", views.dashboard, {"level": "venue"}, name="venue"),
    path("venue/<int:venue_id>/export/", views.export, {"level": "venue"}, name="venue_export"),
    path("open/", views.open_data, name="open_data"),
    path("open/uses.csv", views.open_data_csv, name="open_data_csv"),
]
