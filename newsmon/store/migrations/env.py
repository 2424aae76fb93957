"""Alembic environment: runs on the connection newsmon.store.db.migrate hands over."""

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import newsmon.store.models  # noqa: F401  (registers the tables)
from newsmon.errors import ConfigError
from newsmon.store.migrations.env_filters import include_name

config = context.config
target_metadata = SQLModel.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from sqlalchemy import create_engine

        url = config.get_main_option("sqlalchemy.url")
        if url is None:
            raise ConfigError("alembic: no connection handed over and no sqlalchemy.url set")
        engine = create_engine(url)
        with engine.begin() as conn:
            _run(conn)
    else:
        _run(connection)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_name=include_name,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
