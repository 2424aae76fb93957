"""Storage: SQLModel tables, engine, migrations, and the article writer."""

from newsmon.store.db import get_engine, open_session
from newsmon.store.models import Article, Fact, FeedState, FetchLog, Source, Territory

__all__ = [
    "get_engine",
    "open_session",
    "Article",
    "Fact",
    "FeedState",
    "FetchLog",
    "Source",
    "Territory",
]
