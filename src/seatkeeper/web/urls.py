"""HTML UI routes."""

from django.urls import path

from seatkeeper.web.views import home

app_name = "web"
urlpatterns = [
    path("", home.home, name="home"),
    path("healthz", home.healthz, name="healthz"),
]
