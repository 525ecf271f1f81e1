"""The installed entry point answers --version and --help; the dev server runs standalone."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request

from pinata_tui import __version__


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pinata_tui", *args], capture_output=True, text=True, timeout=60)


def test_version():
    result = run_cli("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"pinata-chat {__version__}"


def test_help_describes_the_program():
    result = run_cli("--help")
    assert result.returncode == 0
    assert "usage: pinata-chat" in result.stdout and "Pinata" in result.stdout


def test_devserver_runs_standalone_and_reports_its_url():
    proc = subprocess.Popen(
        [sys.executable, "-m", "pinata_tui.devserver", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        first = proc.stdout.readline()
        assert first.startswith("Pinata dev server at http://127.0.0.1:")
        url = first.split(" at ", 1)[1].strip()
        with urllib.request.urlopen(f"{url}/v0/llm/models", timeout=10) as reply:
            catalog = json.load(reply)
        assert isinstance(catalog, list) and catalog[0]["model_id"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
