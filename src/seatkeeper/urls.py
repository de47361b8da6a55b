"""URL configuration: the REST API under /api/v1/, the HTML UI everywhere else."""

from django.urls import include, path

urlpatterns = [
    path("api/v1/", include("seatkeeper.api.urls")),
    path("dedup/", include("seatkeeper.web.views.dedup")),  # namespace "dedup"
    path("fix/", include("seatkeeper.web.views.fixes")),  # namespace "fixes"
    path("", include("seatkeeper.web.urls")),
]

handler404 = "seatkeeper.web.views.errors.page_not_found"
