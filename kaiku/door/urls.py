from django.urls import path

from kaiku.door import views

app_name = "door"
urlpatterns = [
    path("", views.index, name="index"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("device/", views.device_page, name="device_page"),
    path("venues/<int:venue_id>/", views.page, name="page"),
    path("venues/<int:venue_id>/devices/", views.devices, name="devices"),
    path("venues/<int:venue_id>/devices/<int:pk>/revoke/", views.revoke_device, name="revoke_device"),
    path("sites/<int:site_id>/printables/", views.printables_page, name="printables"),
    path("sites/<int:site_id>/sheet.pdf", views.stock_sheet, name="stock_sheet"),
    path("cards/<int:pk>/slip.pdf", views.holder_slip, name="holder_slip"),
]
