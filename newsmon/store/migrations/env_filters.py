"""What Alembic's autogenerate compares (imported by env.py and by the test that models match migrations)."""

# tables the search index keeps outside the SQLModel models (newsmon/store/search_index.py, migration 0003)
UNMODELLED = ("article_search", "article_fts")


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Autogenerate must not propose dropping the search index tables."""
    return not (type_ == "table" and name is not None and name.startswith(UNMODELLED))
