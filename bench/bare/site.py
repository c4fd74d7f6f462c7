"""The bare site's WSGI application (gunicorn bench.bare.site:application)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.bare.settings")

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()
