from django.urls import path

from indicators import views

app_name = "indicators"

urlpatterns = [
    path("", views.statistics_home, name="home"),
    path("<str:kind>/<slug:code>/", views.dashboard, name="dashboard"),
    path("<str:kind>/<slug:code>/live/", views.live_figures, name="live"),
    path("<str:kind>/<slug:code>/report/", views.report, name="report"),
    path("<str:kind>/<slug:code>/table/", views.breakdown_table, name="table"),
    path("<str:kind>/<slug:code>/<slug:chart>.csv", views.chart_csv, name="chart_csv"),
]
