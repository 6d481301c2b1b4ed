from django.urls import path

from helpdesk import appointment_views as views

app_name = "appointments"

urlpatterns = [
    path("<slug:site_code>/", views.day, name="day"),
    path("<slug:site_code>/<int:appointment_id>/", views.detail, name="detail"),
    path("<slug:site_code>/<int:appointment_id>/atgard/", views.act, name="act"),
]
