"""A model that would not take an image: said in one line, with the way on. Textual-free.

Pinata's catalog does not say which models accept images, so the first sign is the server
refusing the request (a 4xx other than 401/402/429) that carried an ``image_url`` part. The
user's message and its attachments are kept (marked not sent), so sending it again with another
model works. The image may be in an earlier message (a follow-up, a regenerate, a continue after
switching to a text-only model): the message says so, and names the way on for what was done.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pinata_tui.api.errors import APIStatusError, RequestRejected
from pinata_tui.attachment_content import has_images
from pinata_tui.sanitize import one_line

if TYPE_CHECKING:
    from pinata_tui.chat.turn import TurnPlan

TUI_WAY_ON = "pick another model with Ctrl+L and press Enter (or Ctrl+R) to send it again; the attachment is kept"
TUI_RESEND_WAY_ON = ("pick a model that takes images with Ctrl+L and press Enter (or Ctrl+R) to send your "
                     "prompt again")
TUI_REGENERATE_WAY_ON = "regenerate with a model that takes images (m on the reply)"
TUI_CONTINUE_WAY_ON = "pick a model that takes images with Ctrl+L, then Ctrl+G continues the reply"
CLI_WAY_ON = "run it again with another model (--model)"


IMAGE_WORDS = ("image", "vision", "multimodal", "multi-modal", "image_url")
"""Words by which a refusal is about the image (OpenAI, OpenRouter and others say one of them)."""
IMAGE_STATUSES = frozenset({400, 415, 422})


def tui_way_on(plan: TurnPlan) -> str:
    """What to do in the app after a refused image, for the turn ``plan`` was."""
    if plan.continuing:
        return TUI_CONTINUE_WAY_ON
    if plan.user is None:  # another reply to a prompt already sent (Ctrl+R, m)
        return TUI_REGENERATE_WAY_ON
    if any(attachment.is_image for attachment in plan.user.attachments):
        return TUI_WAY_ON  # its chips come back above the prompt
    return TUI_RESEND_WAY_ON  # the image is in an earlier message: the prompt alone comes back


def _last_prompt_has_image(history: Sequence[dict[str, Any]]) -> bool:
    prompts = [m for m in history if m.get("role") == "user"]
    return bool(prompts) and has_images(prompts[-1:])


def image_refusal(exc: BaseException | None, history: Sequence[dict[str, Any]], model: str, *,
                  way_on: str = TUI_WAY_ON) -> str | None:
    """The one-line message when ``exc`` is the server rejecting a request with images; else None.

    When the server's words do not name images, the message says the image is the likely cause
    rather than claiming it (a bad parameter gets the same status)."""
    if not isinstance(exc, RequestRejected) or exc.status not in IMAGE_STATUSES or not has_images(history):
        return None
    detail = (exc.detail if isinstance(exc, APIStatusError) and exc.detail else str(exc)).rstrip(".")
    earlier = "" if _last_prompt_has_image(history) else " in an earlier message"
    if any(word in detail.lower() for word in IMAGE_WORDS):
        image = "the image" if not earlier else f"an image{earlier}"
        return one_line(f"This model ({model}) did not accept {image} (Pinata said: {detail}); {way_on}.",
                        limit=400)
    return one_line(f"This model ({model}) refused a request with an image{earlier}, perhaps because it takes "
                    f"no images (Pinata said: {detail}); {way_on}.", limit=400)
