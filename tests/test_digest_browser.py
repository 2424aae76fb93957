"""The HTML digest in headless Chromium at a phone's size: it renders, fits the width, and the
screenshot is kept under artifacts/ for a look (skipped only where no chromium is installed)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from digest_support import DEMO_WATCHLIST, load_sample

from newsmon.digest import build_digest, render, write_atomic
from newsmon.watchlist import load_watchlist

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PHONE = (390, 844)


def screenshot(page: Path, png: Path, tmp: Path, size: tuple[int, int] = PHONE) -> None:
    assert CHROMIUM
    png.unlink(missing_ok=True)
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={tmp / 'chromium-profile'}",
        f"--screenshot={png}",
        f"--window-size={size[0]},{size[1]}",
        page.as_uri(),
    ]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)


@pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium installed (.ci/run installs Debian's chromium)"
)
@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_html_digest_renders_on_a_phone(sqlite_url: str, tmp_path: Path, lang: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.image as mpimg
    import numpy as np

    load_sample(sqlite_url)
    d = build_digest(
        date(2024, 11, 20),
        lang=lang,
        watchlist=load_watchlist(DEMO_WATCHLIST),
        database_url=sqlite_url,
    )
    page = write_atomic(tmp_path / f"digest.{lang}.html", render(d, "html"))
    ARTIFACTS.mkdir(exist_ok=True)
    png = ARTIFACTS / f"digest-phone-{lang}.png"
    screenshot(page, png, tmp_path)
    img = mpimg.imread(png)
    assert img.shape[1] == PHONE[0] and img.shape[0] == PHONE[1]
    rgb = img[..., :3]
    # the page is drawn (text and cards, not a blank or an error page) ...
    assert rgb.std() > 0.05
    assert len(np.unique((rgb * 255).astype(np.uint8).reshape(-1, 3), axis=0)) > 50
    # ... and fits the phone: the rightmost columns are background, no text cut at the edge
    edge = rgb[:, -4:, :]
    assert (np.abs(edge - edge[0, 0]).max(axis=-1) < 0.05).mean() > 0.98
    # a taller shot of the whole page is kept too, for reading the digest after a run
    screenshot(page, ARTIFACTS / f"digest-phone-{lang}-long.png", tmp_path, (PHONE[0], 4000))
