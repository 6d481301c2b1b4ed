"""The project's URLs plus an API view that fails, to see what a server error answers."""

from django.urls import path

from servicecenter.urls import urlpatterns as project_urlpatterns


def failing_view(request):
    raise RuntimeError("a defect in a view")


urlpatterns = [path("api/v1/failing/", failing_view), *project_urlpatterns]
