"""The newsroom HTTP service (extra ``service``): ``create_app(home, settings)``.

FastAPI on uvicorn. ``/v1`` answers what the CLI answers; the C2PA Soft Binding
Resolution API lets other Content Credentials tools recover manifests from this
registry; ``/`` is a plain web page that works offline.
"""

from provenance.service.app import create_app
from provenance.service.settings import ServiceSettings

__all__ = ["ServiceSettings", "create_app"]
