from django.urls import path

from kaiku.cards import views

app_name = "cards"
urlpatterns = [
    path("site/<int:site_id>/", views.site_cards, name="site_cards"),
    path("site/<int:site_id>/register/", views.register, name="register"),
    path("site/<int:site_id>/community/", views.community, name="community"),
    path("site/<int:site_id>/stock/", views.stock, name="stock"),
    path("site/<int:site_id>/import/", views.import_registrations, name="import_registrations"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/renew/", views.renew, name="renew"),
    path("<int:pk>/correct/", views.correct, name="correct"),
    path("<int:pk>/inactivate/", views.inactivate, name="inactivate"),
    path("<int:pk>/replace/", views.replace, name="replace"),
    path("<int:pk>/activation-code/", views.reissue_code, name="reissue_code"),
    path("legacy-formats/", views.legacy_formats, name="legacy_formats"),
    path("legacy-formats/<int:pk>/", views.legacy_format, name="legacy_format"),
]
