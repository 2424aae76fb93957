"""`newsmon serve`: the web interface and JSON API."""

from __future__ import annotations

import typer

from newsmon.cli.apps import app
from newsmon.cli.common import console, handle_errors


@app.command()
@handle_errors
def serve(
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Address to listen on (0.0.0.0: every interface)."
    ),
    port: int = typer.Option(8000, "--port", help="TCP port."),
    watchlist: str = typer.Option(
        None, "--watchlist", help="Watchlist for the coverage pages (default ./watchlist.yaml)."
    ),
) -> None:
    """Serve the web pages and the read-only JSON API (/api/v1, OpenAPI at /docs) over NEWSMON_DATABASE_URL.

    Example: newsmon serve --port 8000  # then open http://127.0.0.1:8000/
    """
    import uvicorn

    from newsmon.store.db import get_engine
    from newsmon.web import create_app

    get_engine()  # a bad or in-memory database URL is one line here, not a 503 on every page
    console.print(f"newsmon: serving on http://{host}:{port}/ (API docs at /docs)", markup=False)
    uvicorn.run(
        create_app(watchlist=watchlist),
        host=host,
        port=port,
        log_level="warning",
        server_header=False,
    )
