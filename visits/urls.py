from django.urls import path

from visits import offline_views, views

app_name = "visits"

urlpatterns = [
    # list/ and sw.js before <slug:site_code>/, or "list" is a site.
    path("list/", views.visit_list, name="list"),
    # The quick log's service worker, at the top of the counter's pages so that its scope
    # covers them (issue 13), and each site's installable quick log.
    path("sw.js", offline_views.service_worker, name="service_worker"),
    path("<slug:site_code>/manifest.webmanifest", offline_views.manifest, name="manifest"),
    path("<slug:site_code>/", views.quick_log, name="quick_log"),
    path("<slug:site_code>/same-again/", views.same_again, name="same_again"),
    path("<slug:site_code>/today/", views.today, name="today"),
    path("<slug:site_code>/staffing/", views.staffing, name="staffing"),
    path("visit/<uuid:visit_id>/edit/", views.edit, name="edit"),
    path("visit/<uuid:visit_id>/undo/", views.undo, name="undo"),
]
