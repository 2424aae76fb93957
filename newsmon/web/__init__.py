"""The web interface and JSON API (`newsmon serve`): `create_app(database_url)` builds the FastAPI app."""

from newsmon.web.app import create_app

__all__ = ["create_app"]
