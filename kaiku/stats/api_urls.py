from django.urls import path

from kaiku.stats.api import OpenDataView

urlpatterns = [
    path("open-data/uses/", OpenDataView.as_view(), name="stats-open-data"),
]
