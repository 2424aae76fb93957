"""One settings object for the whole service; every field can be overridden by `NEWSMON_<FIELD>`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from newsmon import __version__
from newsmon.errors import ConfigError

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent


class Settings(BaseSettings):
    """Paths, URLs and limits. Environment variables `NEWSMON_*` override the defaults."""

    model_config = SettingsConfigDict(env_prefix="NEWSMON_", extra="ignore")

    # storage
    database_url: str = Field(
        "sqlite:///newsmon.db",
        description="SQLAlchemy URL: sqlite:///path.db (default) or postgresql+psycopg://user@host/db",
    )
    sqlite_busy_timeout_ms: int = Field(
        30_000, ge=0, description="how long SQLite waits for a lock"
    )

    # sources
    feeds: Path = Field(Path("feeds.yaml"), description="the feeds file")

    # network limits (fetching feeds and article pages)
    connect_timeout: float = Field(10.0, gt=0, description="seconds to open a connection")
    read_timeout: float = Field(20.0, gt=0, description="seconds between two received chunks")
    total_timeout: float = Field(
        60.0, gt=0, description="seconds for a whole request, body included"
    )
    max_body_bytes: int = Field(10 * 1024 * 1024, gt=0, description="cap on a decompressed body")
    max_redirects: int = Field(5, ge=0, description="redirect hops followed per request")
    per_host_delay: float = Field(1.0, ge=0, description="seconds between two requests to one host")
    fetch_concurrency: int = Field(4, ge=1, description="feeds fetched at once")
    user_agent: str = Field(
        f"newsmon/{__version__} (news monitoring for Kazakhstan; +https://example.org/newsmon)",
        description="User-Agent sent with every request",
    )
    allow_private_networks: bool = Field(
        False, description="allow fetching from private, loopback and link-local addresses"
    )
    backoff_base: float = Field(
        300.0, ge=0, description="first retry delay after a failure, seconds"
    )
    backoff_max: float = Field(24 * 3600.0, ge=0, description="cap on the retry delay, seconds")
    import_max_line_bytes: int = Field(
        10 * 1024 * 1024,
        gt=0,
        description="`newsmon import`: a longer line is skipped and reported by its number",
    )
    title_dedup_days: int = Field(
        7, ge=0, description="same title from the same source within N days"
    )
    fulltext_budget_seconds: float = Field(
        120.0,
        gt=0,
        description="seconds a fulltext feed may spend on article pages per run; the rest waits for "
        "the next run",
    )
    fulltext_max_pages: int = Field(
        50,
        ge=1,
        description="article pages fetched per fulltext feed per run; the rest the next run",
    )

    # NLP
    models_dir: Path = Field(PROJECT_DIR / "models", description="trained spaCy pipelines")
    programs_file: Path | None = Field(
        None, description="extra programmes (YAML), added to the built-in list"
    )
    extract_batch_size: int = Field(32, ge=1, description="articles per nlp.pipe batch and commit")
    extract_lease_seconds: float = Field(
        300.0, gt=0, description="a worker's claim on a batch expires after this"
    )
    worker_poll_seconds: float = Field(
        5.0, ge=0, description="how often an idle worker looks for new articles"
    )
    ner_backend: str = Field("spacy", description="spacy | transformers")
    fact_ner_ru: str = Field(
        "",
        description="uses of models/ru in fact extraction, comma-separated: loc, per, program "
        "(empty: rules alone; BENCHMARKS.md has the ablation that chose the default)",
    )
    fact_ner_kk: str = Field(
        "",
        description="uses of models/kk in fact extraction, comma-separated: loc, per, program",
    )
    transformer_model_ru: Path | None = Field(
        None, description="local HF token-classification model (ru)"
    )
    transformer_model_kk: Path | None = Field(
        None, description="local HF token-classification model (kk)"
    )
    transformer_runtime: str = Field(
        "torch",
        description="torch | onnx (model.onnx from `newsmon ner export-onnx`, onnxruntime on CPU) | "
        "auto (onnx when the model folder has model.onnx and onnxruntime is installed)",
    )

    # queries
    announcement_window_days: int = Field(
        14,
        ge=0,
        description="programme totals: the same value, currency, programme and unit reported again within "
        "N days of its first report is one announcement, counted once",
    )

    # web
    web_chart_cache: int = Field(
        64, description="coverage reports and charts kept per query until the stored data change"
    )
    web_chart_workers: int = Field(
        2, description="coverage charts drawn at once (off request threads)"
    )
    web_chart_queue: int = Field(
        8,
        description="charts drawn or waiting at once; one more makes /coverage.png answer 503 (Retry-After)",
    )

    # alerts (watchlist.yaml `alerts:` rules; README "Alerts"). Credentials live only here, never in
    # watchlist.yaml.
    public_url: str = Field(
        "http://127.0.0.1:8000",
        description="base URL of `newsmon serve` as readers reach it: alert and digest links point there",
    )
    alerts_lookback_days: int = Field(
        3, ge=0, description="alerts: facts published within N days before today are candidates"
    )
    alerts_max_hits: int = Field(
        20, ge=1, description="hits listed in one alert message; the rest are counted and linked"
    )
    alerts_lang: str = Field("ru", pattern="^(ru|kk)$", description="language of alert messages")
    alerts_timeout: float = Field(
        15.0, gt=0, description="seconds for one webhook, Telegram or SMTP exchange"
    )
    alerts_retries: int = Field(
        3, ge=0, description="webhook and Telegram: retries after a failed attempt, within one run"
    )
    alerts_backoff: float = Field(
        2.0, ge=0, description="first retry delay (seconds), doubled on each further retry"
    )
    webhook_url: str | None = Field(None, description="alerts by JSON POST to this URL")
    webhook_secret: SecretStr | None = Field(
        None, description="key of the X-Newsmon-Signature header (HMAC-SHA256 of the body)"
    )
    smtp_host: str | None = Field(None, description="alerts by email through this SMTP server")
    smtp_port: int = Field(587, ge=1, le=65535, description="SMTP port (587 for STARTTLS)")
    smtp_security: str = Field(
        "starttls",
        pattern="^(starttls|ssl|none)$",
        description="starttls (default), ssl (implicit TLS, port 465) or none (a local relay)",
    )
    smtp_ca_file: Path | None = Field(
        None, description="CA bundle that signs the SMTP server's certificate (default: system's)"
    )
    smtp_user: str | None = Field(None, description="SMTP login; none: no login")
    smtp_password: SecretStr | None = Field(None, description="SMTP password")
    smtp_from: str | None = Field(None, description="From: address of alert emails")
    smtp_to: str | None = Field(None, description="recipients of alert emails, comma-separated")
    telegram_token: SecretStr | None = Field(None, description="Telegram bot token")
    telegram_chat_id: str | None = Field(None, description="Telegram chat (id or @channel)")
    telegram_api_url: str = Field(
        "https://api.telegram.org", description="Telegram Bot API base URL"
    )
    telegram_max_wait: float = Field(
        60.0,
        ge=0,
        description="longest 429 retry_after honoured within a run; longer: the hits wait for the next run",
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once from the environment); ConfigError names every bad
    value, one line per field."""
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigError(settings_errors(exc)) from None


def settings_errors(exc: ValidationError) -> str:
    """One line per bad field: `NEWSMON_FIELD='value': what is wrong`."""
    lines = []
    for err in exc.errors():
        field = str(err["loc"][0]) if err.get("loc") else "?"
        value = err.get("input")
        shown = f"={value!r}" if isinstance(value, str | int | float) else ""
        lines.append(f"NEWSMON_{field.upper()}{shown}: {err['msg']}")
    return "\n".join(lines)
