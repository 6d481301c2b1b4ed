"""URLconf of the load benchmark's server (bench/load.py sets it as ROOT_URLCONF): the project's
own URLs and error handlers, and in front of them a bare JSON view, the baseline of
`POST /api/v1/visits/`. Never part of the application.

The bare view passes the same middleware (the project's MIDDLEWARE, untouched) and, being a
sync view as the API's are, the same hand-over to a thread under ASGI; it parses the JSON body
and answers 201 with the visit's id, and touches neither the database nor the cache.
"""

import json

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from servicecenter.urls import *  # noqa: F403  (urlpatterns and the handlerNNN)
from servicecenter.urls import urlpatterns as project_urlpatterns

BARE_PATH = "bench/bare/"


@csrf_exempt  # as DRF's views are
@require_POST
def bare(request: HttpRequest) -> JsonResponse:
    data = json.loads(request.body)
    return JsonResponse({"id": data.get("id")}, status=201)


urlpatterns = [path(BARE_PATH, bare, name="bench-bare"), *project_urlpatterns]
