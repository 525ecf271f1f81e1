"""A modal file picker rooted at the working folder: arrows and Enter (or a click) pick, Esc cancels.

The chosen file is read and checked here (off the event loop): one that cannot be attached keeps
the picker open with the reason under the tree, so another can be picked from the same place.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from pathlib import Path

from rich.text import Text, TextType
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DirectoryTree, Static

from pinata_tui.attachment_content import safe_name
from pinata_tui.attachments import IMAGE_LIMIT, TEXT_LIMIT, Attachment, AttachmentError, human_size, read_attachment
from pinata_tui.tui.common.screen_styles import StyledModal

_SKIPPED = frozenset({"__pycache__", "node_modules"})


class SafeDirectoryTree(DirectoryTree):
    """File names shown literally (escape codes and markup are text); hidden files and caches left out."""

    def process_label(self, label: TextType) -> Text:
        plain = label.plain if isinstance(label, Text) else label
        return Text(safe_name(plain))

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [p for p in paths if not p.name.startswith(".") and p.name not in _SKIPPED]


class FilePicker(StyledModal[Attachment | None]):
    """Dismisses with the chosen file, read and checked, or None."""
    STYLES = ("../common/dialogs.tcss", "file_picker.tcss")

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="filepicker.close")]

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="file-picker"):
            yield Static(Text.assemble(("Attach a file", "bold"), f" from {safe_name(str(self.root))}"))
            yield SafeDirectoryTree(self.root, id="file-tree")
            refused = Static(id="file-picker-refused")
            refused.display = False
            yield refused
            yield Static(Text(f"↑↓ move · Enter opens a folder or attaches a file · Esc cancels.  "
                              f"Text up to {human_size(TEXT_LIMIT)}, images (PNG, JPEG, GIF, WebP) up to "
                              f"{human_size(IMAGE_LIMIT)}."), classes="file-picker-hint")

    def on_mount(self) -> None:
        self.query_one(SafeDirectoryTree).focus()

    @on(DirectoryTree.FileSelected)
    def _chosen(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        self.run_worker(self._read(event.path), group="read", exclusive=True)

    async def _read(self, path: Path) -> None:
        try:
            attachment = await asyncio.to_thread(read_attachment, path)
        except AttachmentError as exc:
            refused = self.query_one("#file-picker-refused", Static)
            refused.update(Text(f"Cannot attach: {safe_name(str(exc), limit=400)}"))  # a name: text, not markup
            refused.display = True
            return
        self.dismiss(attachment)

    def action_cancel(self) -> None:
        self.dismiss(None)
