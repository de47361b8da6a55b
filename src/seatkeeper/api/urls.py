"""The REST API v1 (django-ninja)."""

from django.urls import path

from seatkeeper.api.app import api

urlpatterns = [path("", api.urls)]
