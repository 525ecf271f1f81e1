"""The README's screenshots come from a script; it must keep working."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_screenshot_script_regenerates_every_picture(tmp_path):
    result = subprocess.run([sys.executable, str(REPO / "screenshots" / "generate.py"), "--out", str(tmp_path)],
                            capture_output=True, text=True, timeout=240, cwd=REPO)
    assert result.returncode == 0, result.stderr
    expected = {"chat", "compare", "model-picker", "history", "light-theme", "credits-banner"}
    assert {p.stem for p in tmp_path.glob("*.svg")} == expected
    assert "Retrying&#160;with&#160;backoff" in (tmp_path / "chat.svg").read_text()
    assert "Out&#160;of&#160;credits" in (tmp_path / "credits-banner.svg").read_text()
    assert "Conversations" in (tmp_path / "history.svg").read_text()
    compare = (tmp_path / "compare.svg").read_text()
    assert "Compare&#160;replies" in compare and "openai/gpt-5-mini" in compare
    for name in expected:
        assert (REPO / "screenshots" / f"{name}.svg").exists(), f"screenshots/{name}.svg is not committed"
