"""Bounded memory: `newsmon import` streams 100,000 articles and `newsmon extract` works in batches,
each in a process whose peak resident memory stays under 1 GB."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

LIMIT_KB = 1024 * 1024  # 1 GB, as ru_maxrss reports it on Linux


def _peak_rss_kb(args: list[str], env: dict[str, str]) -> int:
    """Run `python -m newsmon ARGS` through a wrapper that prints its own peak RSS."""
    code = (
        "import resource, sys, runpy; sys.argv = ['newsmon'] + sys.argv[1:]\n"
        "try:\n    runpy.run_module('newsmon', run_name='__main__')\n"
        "except SystemExit as e:\n    code = e.code\nelse:\n    code = 0\n"
        "print('PEAK', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
        "sys.exit(code)"
    )
    res = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=900
    )
    assert res.returncode == 0, res.stderr[-2000:]
    return int(res.stderr.rsplit("PEAK", 1)[1].split()[0])


@pytest.mark.slow
def test_import_and_extract_stay_under_1_gb(tmp_path: Path) -> None:
    data = tmp_path / "many.jsonl"
    with data.open("w", encoding="utf-8") as fh:
        for i in range(100_000):
            fh.write(
                json.dumps(
                    {
                        "url": f"https://news.kz/{i}",
                        "title": f"Новость {i}",
                        "text": f"Аким района Иван Петров сообщил, что выделено {i % 97 + 1} млн тенге. "
                        + "Подробности в материале. " * 20,
                        "published": "2024-04-15T10:00:00+05:00",
                        "lang": "ru",
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
    env = {**os.environ, "NEWSMON_DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}"}
    peak_import = _peak_rss_kb(["import", "--quiet", str(data)], env)
    assert peak_import < LIMIT_KB, f"import peaked at {peak_import / 1024:.0f} MB"
    # extraction memory does not grow with the number of articles: batches are loaded and released
    peak_small = _peak_rss_kb(["extract", "--quiet", "--limit", "200"], env)
    peak_large = _peak_rss_kb(["extract", "--quiet", "--limit", "1000"], env)
    assert peak_large < LIMIT_KB, f"extract peaked at {peak_large / 1024:.0f} MB"
    assert peak_large < peak_small * 1.3, (peak_small, peak_large)
