"""Every shipped theme's text reaches WCAG contrast: 4.5:1 for text, 3:1 for a border that carries meaning.

Colours come from the theme files (``themes/*.toml``) through Textual's own colour system
(``Theme.to_color_system().generate()``, what ``App.get_css_variables`` hands to the CSS), and
layers are blended as Textual blends them (``$warning 25%`` over ``$background``; ``auto 87%`` is
the contrasting text colour at 87% over what is under it; ``dim`` is blended at Textual's
``DIM_FACTOR``). The pairs, and where each is used:

- ``app.tcss``: message headers, notices, the model-switch marker, the status bar's states, the
  banners, the "more below" bar, the key hints, the model picker's filter bar (a border);
- Textual's widgets as the app uses them: the Resend button (``Button`` variant ``warning``), the
  highlighted row of a list (``OptionList``), with and without focus;
- the reply's Markdown theme (``tui/markdown/render.py``: ``markdown_theme``): inline code,
  headings, links, bullets, quotes, table borders;
- code blocks: every token colour of the Pygments style ``RenderContext.code_theme`` names,
  against that style's background (Rich's ``Syntax`` paints it).

A last test draws the app in the light theme and reads the colours off the screen, so that the
arithmetic here stays true to what Textual draws.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from rich.style import Style
from textual.color import Color
from textual.constants import DIM_FACTOR

from pinata_tui.theme_files import load_theme_specs
from pinata_tui.tui.markdown.render import RenderContext, markdown_theme
from pinata_tui.tui.themes import to_theme

TEXT = 4.5
BORDER = 3.0

SPECS = {spec.name: spec for spec in load_theme_specs(None)[0]}


def luminance(color: Color) -> float:
    def channel(value: int) -> float:
        v = value / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.r) + 0.7152 * channel(color.g) + 0.0722 * channel(color.b)


def contrast(a: Color, b: Color) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@dataclass
class Palette:
    """A theme's CSS variables, and colours resolved from them as Textual resolves them."""

    name: str
    dark: bool
    variables: dict[str, str]

    @classmethod
    def of(cls, name: str) -> Palette:
        theme = to_theme(SPECS[name])
        return cls(name, theme.dark, {**theme.to_color_system().generate(), **theme.variables})

    def layer(self, expression: str, under: Color) -> Color:
        """``"$warning 25%"``, ``"auto 87%"``, ``"#fff"``... painted over ``under``."""
        words = expression.split()
        alpha = 1.0
        if words[-1].endswith("%"):
            alpha = float(words.pop()[:-1]) / 100
        word = " ".join(words)
        while word.startswith("$"):  # a variable may name a value with its own alpha: resolve it whole
            value = self.variables[word[1:]].split()
            if value[-1].endswith("%"):
                alpha *= float(value.pop()[:-1]) / 100
            word = " ".join(value)
        if word == "auto":
            return under + under.get_contrast_text(alpha)
        color = Color.parse(word)
        return under + color.with_alpha(color.a * alpha)

    def paint(self, *layers: str) -> Color:
        """The colour of layers painted one over the other, from ``$background`` up."""
        color = Color.parse(self.variables["background"])
        for expression in layers:
            color = self.layer(expression, color)
        return color

    def dimmed(self, text: Color, background: Color) -> Color:
        return background.blend(text, DIM_FACTOR)


THEMES = sorted(SPECS)


# (what, where it is used, text colour, background layers, minimum). Backgrounds start from $background.
PAIRS: list[tuple[str, str, str, tuple[str, ...], float]] = [
    ("message header", "app.tcss MessageBlock > .message-header", "$text-muted", (), TEXT),
    ("focused message header", "app.tcss MessageBlock:focus", "$text-muted", ("$boost",), TEXT),
    ("reply text on a search hit", "app.tcss MessageBlock.-search-hit", "$foreground", ("$accent 20%",), TEXT),
    ("error notice, error labels in message headers", "app.tcss Notice.-error; message_block.py STATUS_LABELS", "$error", (), TEXT),
    ("warning notice, warning labels in message headers", "app.tcss Notice.-warning; STATUS_LABELS", "$warning", (), TEXT),
    ("info notice / empty hint", "app.tcss Notice.-info, #empty-hint", "$text-muted", (), TEXT),
    ("model switch marker", "app.tcss ModelSwitchMarker", "$accent", (), TEXT),
    ("status bar text", "app.tcss StatusBar", "$foreground", ("$panel",), TEXT),
    ("status bar: idle, separators", "app.tcss .status-bar--idle/--dim", "$text-muted", ("$panel",), TEXT),
    ("status bar: waiting, retrying", "app.tcss .status-bar--waiting/--retrying", "$warning", ("$panel",), TEXT),
    ("status bar: streaming", "app.tcss .status-bar--streaming", "$success", ("$panel",), TEXT),
    ("status bar: error", "app.tcss .status-bar--error", "$error", ("$panel",), TEXT),
    ("key hints: keys", "key_hints.py footer-key-foreground", "$footer-key-foreground",
     ("$footer-background",), TEXT),
    ("key hints: descriptions", "key_hints.py", "$foreground", ("$footer-background",), TEXT),
    ("credits banner", "app.tcss CreditsBanner", "$foreground", ("$warning 25%",), TEXT),
    ("demo banner", "app.tcss #demo-banner", "$text", ("$warning 30%",), TEXT),
    ("more below bar", "app.tcss #more-below", "$foreground", ("$accent 25%",), TEXT),
    ("Resend button", "credits_banner.py Button(variant='warning')", "$button-color-foreground",
     ("$warning",), TEXT),
    ("picker row (every column, the secondary ones in italics; none dim)", "model_picker.py on #picker",
     "$foreground", ("$surface",), TEXT),
    ("picker hint (italic)", "model_picker.py _hint", "$foreground", ("$surface",), TEXT),
    ("picker: highlighted row, list not focused", "OptionList, $block-cursor-blurred-*",
     "$block-cursor-blurred-foreground", ("$surface", "$block-cursor-blurred-background"), TEXT),
    ("picker: highlighted row, list focused", "OptionList:focus, $block-cursor-*",
     "$block-cursor-foreground", ("$surface", "$block-cursor-background"), TEXT),
    ("picker filter bar edge", "model_picker.tcss #picker-filter border-left", "$primary", ("$surface",), BORDER),
    ("prompt border", "app.tcss PromptInput:focus", "$primary", (), BORDER),
]

@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize(("what", "where", "text", "under", "minimum"), PAIRS, ids=[p[0] for p in PAIRS])
def test_app_text_and_borders_are_readable(theme, what, where, text, under, minimum):
    palette = Palette.of(theme)
    background = palette.paint(*under)
    ratio = contrast(palette.layer(text, background), background)
    assert ratio >= minimum, f"{theme}: {what} ({where}) is {ratio:.2f}:1, needs {minimum}:1"


MARKDOWN_TEXT = ["markdown.code", "markdown.h1", "markdown.h2", "markdown.h3", "markdown.link",
                 "markdown.item.bullet", "markdown.item.number", "markdown.block_quote", "markdown.table.header"]
MARKDOWN_BORDERS = ["markdown.table.border", "markdown.hr"]


def style_colors(style: Style, background: Color) -> tuple[Color, Color]:
    bg = Color.from_rich_color(style.bgcolor) if style.bgcolor else background
    fg = Color.from_rich_color(style.color) if style.color else Color.parse("white")
    return fg, bg


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("name", MARKDOWN_TEXT + MARKDOWN_BORDERS)
def test_the_markdown_theme_is_readable(theme, name):
    palette = Palette.of(theme)
    rich_theme = markdown_theme(palette.variables, palette.dark)
    minimum = BORDER if name in MARKDOWN_BORDERS else TEXT
    for under in ((), ("$boost",)):  # the reply, and the reply focused
        fg, bg = style_colors(rich_theme.styles[name], palette.paint(*under))
        ratio = contrast(fg, bg)
        assert ratio >= minimum, f"{theme}: {name} (tui/markdown/render.py) is {ratio:.2f}:1, needs {minimum}:1"


def code_theme(dark: bool) -> str:
    return RenderContext.code_theme.fget(SimpleNamespace(dark=dark))  # type: ignore[attr-defined]


def code_block_failures(dark: bool) -> list[str]:
    from pygments.styles import get_style_by_name
    from pygments.token import Token

    style = get_style_by_name(code_theme(dark))
    background = Color.parse(style.background_color)
    failures = []
    for token, spec in style:
        if not spec["color"] or token in Token.Text.Whitespace or token in Token.Error:
            continue  # whitespace is never drawn; Error marks what the lexer could not read
        ratio = contrast(Color.parse("#" + spec["color"]), background)
        if ratio < TEXT:
            failures.append(f"{token} #{spec['color']} on {style.background_color}: {ratio:.2f}:1")
    return failures


@pytest.mark.parametrize("theme", THEMES)
def test_code_blocks_are_readable(theme):
    dark = Palette.of(theme).dark
    failures = code_block_failures(dark)
    assert failures == [], f"{theme}: code blocks in Pygments {code_theme(dark)!r}: " + "; ".join(failures)


# ------------------------------------------------------------------ the arithmetic, against the screen

LIGHT_REPLY = "Use `sorted()` here:\n\n```python\nx = 42\n```\n"


def drawn(app, needle: str) -> tuple[Color, Color]:
    """The colours the screen shows ``needle`` in (the first segment that holds it), after Textual's filters."""
    background = Color.parse(app.theme_variables["background"])
    for strip in app.screen._compositor.render_strips():
        segments = list(strip)
        for line_filter in app._filters:
            segments = line_filter.apply(segments, background)
        for segment in segments:
            if needle in segment.text and segment.style is not None and segment.style.color is not None:
                return (Color.from_rich_color(segment.style.color), Color.from_rich_color(segment.style.bgcolor))
    raise AssertionError(f"{needle!r} is not on the screen")


async def test_the_computed_colours_are_the_ones_drawn(server, tmp_path):
    """Inline code, a number in a code block, a header's token count and the Resend button, as drawn."""
    from pygments.styles import get_style_by_name
    from pygments.token import Number

    from pinata_tui.devserver import Fault
    from tests.tui_helpers import make_app, ready, send_and_wait

    server.state.reply_override = LIGHT_REPLY
    server.state.balance_micro = 1_234
    app = make_app(server, tmp_path, theme="pinata-light")
    palette = Palette.of("pinata-light")
    rich_theme = markdown_theme(palette.variables, palette.dark)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "hello")
        code = style_colors(rich_theme.styles["markdown.code"], palette.paint())
        assert drawn(app, "sorted()") == code
        pygments_style = get_style_by_name(code_theme(False))
        number = pygments_style.style_for_token(Number)
        assert drawn(app, "42") == (Color.parse("#" + number["color"]), Color.parse(pygments_style.background_color))
        header = palette.paint()
        assert drawn(app, "tokens")[0].hex6 == palette.layer("$text-muted", header).hex6
        server.state.add_fault(Fault(status=402))
        await send_and_wait(pilot, "again")
        await app.workers.wait_for_complete()
        await pilot.pause()
        fg, bg = drawn(app, "Resend")
        assert bg == palette.paint("$warning")
        assert fg.hex6 == palette.layer("$button-color-foreground", bg).hex6
        assert contrast(fg, bg) >= TEXT
