from django.urls import path

from kaiku.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-in/email/", views.email_link, name="email_link"),
    path("sign-in/link/<str:token>/", views.link_sign_in, name="link_sign_in"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("text-size/", views.text_size, name="text_size"),
    path("card/", views.digital_card, name="card"),
    path("card/version/", views.card_version, name="card_version"),
    path("uses/", views.uses, name="uses"),
    path("uses/<int:use_id>/feedback/", views.feedback, name="feedback"),
    path("uses/<int:use_id>/feedback/private/", views.feedback_private, name="feedback_private"),
    path("feedback/<str:token>/", views.feedback_by_link, name="feedback_by_link"),
    path("survey/", views.survey, name="survey"),
    path("offers/", views.offers, name="offers"),
    path("offers/digest/", views.digest, name="digest"),
    path("offers/dates/<int:pk>/reserve/", views.reserve, name="reserve"),
    path("reservations/<int:pk>/cancel/", views.cancel_reservation, name="cancel_reservation"),
    path("groups/", views.groups, name="groups"),
    path("groups/<int:pk>/join/", views.join_group, name="join_group"),
    path("groups/<int:pk>/leave/", views.leave_group, name="leave_group"),
    path("my-data/", views.my_data, name="my_data"),
    path("my-data/download/", views.download_data, name="download_data"),
    path("my-data/consent/", views.withdraw_consent, name="withdraw_consent"),
    path("my-data/email/delete/", views.delete_email, name="delete_email"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("icon.svg", views.icon, name="icon"),
    path("sites/<int:site_id>/groups/", views.staff_groups, name="staff_groups"),
    path("sites/<int:site_id>/groups/new/", views.staff_group_new, name="staff_group_new"),
    path("sites/<int:site_id>/groups/<int:pk>/", views.staff_group, name="staff_group"),
    path("sites/<int:site_id>/groups/<int:pk>/cancel/", views.staff_group_cancel, name="staff_group_cancel"),
]
