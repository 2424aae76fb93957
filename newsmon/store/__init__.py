"""Storage: SQLModel tables, engine, migrations, and the article writer."""

from newsmon.store.db import get_engine, open_session
from newsmon.store.models import Article, Fact, FeedState, FetchLog, Source, Territory

__all__ = [
    "Article",
    "Fact",
    "FeedState",
    "FetchLog",
    "Source",
    "Territory",
    "get_engine",
    "open_session",
]
