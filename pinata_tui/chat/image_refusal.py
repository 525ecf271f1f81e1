"""A model that would not take an image: said in one line, with the way on. Textual-free.

Pinata's catalog does not say which models accept images, so the first sign is the server
refusing the request (a 4xx other than 401/402/429) that carried an ``image_url`` part. The
user's message and its attachments are kept (marked not sent), so sending it again with another
model works.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pinata_tui.api.errors import APIStatusError, RequestRejected
from pinata_tui.attachment_content import has_images
from pinata_tui.sanitize import one_line

TUI_WAY_ON = "pick another model with Ctrl+L and press Enter (or Ctrl+R) to send it again; the attachment is kept"
CLI_WAY_ON = "run it again with another model (--model)"


IMAGE_WORDS = ("image", "vision", "multimodal", "multi-modal", "image_url")
"""Words by which a refusal is about the image (OpenAI, OpenRouter and others say one of them)."""
IMAGE_STATUSES = frozenset({400, 415, 422})


def image_refusal(exc: BaseException | None, history: Sequence[dict[str, Any]], model: str, *,
                  way_on: str = TUI_WAY_ON) -> str | None:
    """The one-line message when ``exc`` is the server rejecting a request with images; else None.

    When the server's words do not name images, the message says the image is the likely cause
    rather than claiming it (a bad parameter gets the same status)."""
    if not isinstance(exc, RequestRejected) or exc.status not in IMAGE_STATUSES or not has_images(history):
        return None
    detail = (exc.detail if isinstance(exc, APIStatusError) and exc.detail else str(exc)).rstrip(".")
    if any(word in detail.lower() for word in IMAGE_WORDS):
        return one_line(f"This model ({model}) did not accept the image (Pinata said: {detail}); {way_on}.",
                        limit=400)
    return one_line(f"This model ({model}) refused a request with an image, perhaps because it takes no images "
                    f"(Pinata said: {detail}); {way_on}.", limit=400)
