"""WSGI entry point for gunicorn."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kooperation.settings")

application = get_wsgi_application()

# Each worker prepares the PDF renderer when it starts, not in the first request for a document.
from kooperation.core.documents import warm_up  # noqa: E402 - needs the settings configured above

warm_up()
