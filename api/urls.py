from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api import views

app_name = "api"

urlpatterns = [
    path("sites/", views.SiteList.as_view(), name="sites"),
    path("taxonomy/", views.TaxonomyView.as_view(), name="taxonomy"),
    path("visits/", views.VisitListCreate.as_view(), name="visits"),
    path("visits/bulk/", views.VisitBulk.as_view(), name="visits-bulk"),
    path("visits/<uuid:pk>/", views.VisitDetail.as_view(), name="visit-detail"),
    path("cases/", views.CaseListCreate.as_view(), name="cases"),
    path("sites/<slug:code>/queue/", views.QueueCheckIn.as_view(), name="queue-check-in"),
    path(
        "sites/<slug:code>/queue/call-next/", views.QueueCallNext.as_view(), name="queue-call-next"
    ),
    path("stats/", views.StatsView.as_view(), name="stats"),
    path("indicators/", views.IndicatorList.as_view(), name="indicators"),
    path("open/indicators/", views.OpenIndicators.as_view(), name="open-indicators"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI only: ReDoc's bundle fetches fonts and images from other hosts. The split
    # view serves Swagger UI's start-up script as a file rather than inline.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]
