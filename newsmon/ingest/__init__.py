"""Ingestion: feeds.yaml, fetching feeds and pages, importing JSONL, language, de-duplication keys."""
