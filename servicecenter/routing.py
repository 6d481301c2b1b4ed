"""WebSocket routes; each app adds its consumers here (live dashboards, queue display)."""

from django.urls import path

from helpdesk.consumers import QueueDisplayConsumer
from indicators.consumers import DashboardConsumer

websocket_urlpatterns: list = [
    path("ws/statistik/<str:kind>/<slug:code>/", DashboardConsumer.as_asgi()),
    path("ws/ko/<slug:site_code>/skarm/", QueueDisplayConsumer.as_asgi()),
]
