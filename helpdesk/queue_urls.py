from django.urls import path

from helpdesk import queue_views as views

app_name = "queue"

urlpatterns = [
    path("<slug:site_code>/", views.check_in, name="check_in"),
    path("<slug:site_code>/panel/", views.panel, name="panel"),
    path("<slug:site_code>/panel/nasta/", views.call_next, name="call_next"),
    # The ticket and the action come in the form, so that every route here names a site only.
    path("<slug:site_code>/panel/atgard/", views.ticket_action, name="act"),
    path("<slug:site_code>/skarm/", views.display, name="display"),
]
