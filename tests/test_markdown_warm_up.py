"""What the first reply's Markdown needs is loaded once the app is up, off the event loop (#17)."""

from __future__ import annotations

import subprocess
import sys
import threading

from pinata_tui.tui import app as app_module
from tests.tui_helpers import make_app, ready
from tests.waiting import until


def run_fresh_python(code: str) -> None:
    """Run ``code`` in a new interpreter (nothing imported yet); its asserts must hold."""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_warm_up_loads_the_markdown_parser_and_compiles_the_common_code_lexers():
    code = ("import sys\n"
            "from pinata_tui.tui.markdown.render import warm_up\n"
            "assert 'markdown_it' not in sys.modules and 'pygments.lexers.python' not in sys.modules\n"
            "warm_up()\n"
            "from pygments.lexers.python import PythonLexer\n"
            "from pygments.lexers.shell import BashLexer\n"
            "assert 'markdown_it' in sys.modules and 'rich.syntax' in sys.modules\n"
            "assert '_tokens' in vars(PythonLexer) and '_tokens' in vars(BashLexer)\n")
    run_fresh_python(code)


def test_the_app_warm_up_loads_the_reply_widgets_renderer_modules():
    """The reply widget imports its renderer where used (not before the first frame): the warm-up loads it."""
    code = ("import sys\n"
            "from pinata_tui.tui.app import warm_up_markdown\n"
            "renderer = ('pinata_tui.tui.markdown.reply_document', 'pinata_tui.tui.markdown.background_renderer',\n"
            "            'pinata_tui.tui.markdown.strips', 'pinata_tui.tui.markdown.render')\n"
            "assert not any(name in sys.modules for name in renderer)\n"
            "warm_up_markdown()\n"
            "assert all(name in sys.modules for name in renderer) and 'markdown_it' in sys.modules\n")
    run_fresh_python(code)


async def test_the_app_warms_up_the_markdown_renderer_in_a_thread_after_the_tokenizer(server, tmp_path, monkeypatch):
    calls: list[bool] = []
    monkeypatch.setattr(app_module, "warm_up_markdown",
                        lambda: calls.append(threading.current_thread() is threading.main_thread()))
    app = make_app(server, tmp_path)
    async with app.run_test() as pilot:
        await ready(pilot)
        await until(pilot, lambda: bool(calls), what="the warm-up")
    assert calls == [False]  # once, and not on the event loop's thread
