"""SIGKILL between an alert's send and its record (issue 15 acceptance), on SQLite and PostgreSQL.

`newsmon alerts` runs as a subprocess; the webhook receiver kills it (SIGKILL) the moment the second
rule's message arrives, before the process can hear the answer and mark the hits sent. Nothing is
lost, and the duplicate is exactly that one message: the next run sends the killed batch again, with
the same hits and the same X-Newsmon-Delivery id, so a receiver can drop it; the first rule's message,
recorded before the kill, is not repeated.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from alert_support import WebhookReceiver, channel_env
from digest_support import load_sample

from newsmon.alerts.deliver import delivery_counts
from newsmon.store.db import dispose_engines, open_session

ROOT = Path(__file__).resolve().parents[1]
RULES = """alerts:
  - name: a-akims
    kind: akim
    since: 2024-11-01
    channels: [webhook]
  - name: b-money
    min_amount: 1000000000
    since: 2024-11-01
    channels: [webhook]
"""


def _run(db_url: str, hook: WebhookReceiver, tmp: Path, state: dict[str, Any]) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")}
    env.update(channel_env(webhook=hook.url), NEWSMON_DATABASE_URL=db_url, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsmon", "alerts", "--watchlist", str(tmp / "watchlist.yaml")],
        env=env,
        cwd=tmp,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    state["proc"] = proc
    _out, err = proc.communicate(timeout=120)
    state["stderr"] = err.decode()
    return proc.returncode


def test_sigkill_between_send_and_record_loses_nothing_and_repeats_one_batch(
    db_url: str, tmp_path: Path
) -> None:
    load_sample(db_url)
    (tmp_path / "watchlist.yaml").write_text(RULES, encoding="utf-8")
    hook = WebhookReceiver().start()
    state: dict[str, Any] = {"killed": False}

    def kill_on_second_rule(payload: dict[str, Any]) -> bool:
        if payload["rule"] == "b-money" and not state["killed"]:
            state["killed"] = True
            os.kill(state["proc"].pid, signal.SIGKILL)  # received, not yet recorded as sent
            return False
        return True

    hook.on_receive = kill_on_second_rule
    try:
        assert _run(db_url, hook, tmp_path, state) == -signal.SIGKILL, state["stderr"]
        assert state["killed"]
        dispose_engines()
        with open_session(db_url) as s:
            counts = delivery_counts(s)
        n_akims = counts[("a-akims", "webhook", "sent")]
        assert n_akims >= 5 and counts[("b-money", "webhook", "pending")] == 5
        assert ("b-money", "webhook", "sent") not in counts

        assert _run(db_url, hook, tmp_path, state) == 0, state["stderr"]
        rules = [p["rule"] for p in hook.payloads]
        assert rules == [
            "a-akims",
            "b-money",
            "b-money",
        ]  # the killed batch once more, nothing else
        first, again = (r for r in hook.received if r.json["rule"] == "b-money")
        assert first.json["hits"] == again.json["hits"] and first.json["count"] == 5
        assert first.headers["X-Newsmon-Delivery"] == again.headers["X-Newsmon-Delivery"]
        dispose_engines()
        with open_session(db_url) as s:
            assert delivery_counts(s) == {
                ("a-akims", "webhook", "sent"): n_akims,
                ("b-money", "webhook", "sent"): 5,
            }

        assert _run(db_url, hook, tmp_path, state) == 0  # and then nothing more
        assert len(hook.received) == 3
    finally:
        hook.stop()
