"""WebSocket routes; each app adds its consumers here (live dashboards, queue display)."""

websocket_urlpatterns: list = []
