from django.urls import path

from kaiku.privacy import views

app_name = "privacy"
urlpatterns = [
    path("", views.privacy_notice, name="notice"),
    path("notice.pdf", views.privacy_notice_pdf, name="notice_pdf"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("cards/<int:pk>/erase/", views.erase_card_view, name="erase_card"),
    path("my-card/erase/", views.erase_own, name="erase_own"),
    path("my-card/erased/", views.erased, name="erased"),
    path("reads/", views.reads, name="reads"),
]
