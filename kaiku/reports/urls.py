from django.urls import path

from kaiku.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("population/", views.population, name="population"),
    path("demand/", views.demand, name="demand"),
    path("area/<int:area_id>/population/", views.area_population, name="area_population"),
    path("area/<int:area_id>/venues/", views.area_venues, name="area_venues"),
    path("venue/<int:venue_id>/year/", views.venue_year_view, name="venue_year"),
    path("venue/<int:venue_id>/certificate.pdf", views.venue_certificate, name="venue_certificate"),
    path("wellbeing/", views.wellbeing_index, name="wellbeing"),
    path("wellbeing/<int:municipality_id>/pack.pdf", views.wellbeing_pdf, name="wellbeing_pdf"),
    path("wellbeing/<int:municipality_id>/pack.xlsx", views.wellbeing_xlsx, name="wellbeing_xlsx"),
]
