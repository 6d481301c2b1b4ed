from django.contrib import admin
from django.urls import include, path

from servicecenter import views

urlpatterns = [
    path("", views.home, name="home"),
    path("start/", views.start, name="start"),
    path("tillganglighet/", views.accessibility_statement, name="accessibility"),
    path("accounts/", include("accounts.urls")),
    path("visits/", include("visits.urls")),
    path("statistik/", include("indicators.urls")),
    path("ko/", include("helpdesk.queue_urls")),
    path("uppfoljning/", include("helpdesk.urls")),
    path("bokningar/", include("helpdesk.appointment_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
]

handler500 = "servicecenter.errors.server_error"
