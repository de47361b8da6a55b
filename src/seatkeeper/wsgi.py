"""WSGI entry point (gunicorn runs `seatkeeper.wsgi:application`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seatkeeper.settings")
application = get_wsgi_application()
