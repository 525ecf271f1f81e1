"""The command palette's entries (Ctrl+P): every action of the app and the chat screen, key
management, and in demo mode the tricks that steer the stand-in server's next replies."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from textual.app import SystemCommand

if TYPE_CHECKING:
    from pinata_tui.devserver import Fault, PinataDevServer
    from pinata_tui.tui.app import PinataChatApp


def app_commands(app: PinataChatApp) -> Iterable[SystemCommand]:
    keys = app.key_actions
    yield SystemCommand("Choose model", "Pick a model from Pinata's live catalog", app.action_pick_model)
    yield SystemCommand("Help: keys", "Show every key binding", app.action_help)
    yield SystemCommand("Conversations", "Browse, search, open, rename and delete saved conversations",
                        app.action_history)
    yield SystemCommand("Key: status", "Is inference enabled for this account? (needs the JWT)", keys.status)
    yield SystemCommand("Key: set inference key…", "Paste an inference key; it is saved in config.toml",
                        keys.set_key)
    yield SystemCommand("Key: enable", "Mint a new inference key and save it (revokes the old one)", keys.enable)
    yield SystemCommand("Key: disable", "Revoke the inference key (asks first)", keys.disable)
    yield SystemCommand("Account: set JWT…", "Paste your account JWT: credits in the status bar, key management",
                        keys.set_jwt)
    yield SystemCommand("Account: forget JWT", "Remove the JWT from this session and config.toml", keys.forget_jwt)
    yield SystemCommand("Spend: today, this week, this month", "What replies cost, from history (and budgets)",
                        keys.show_spend)
    yield SystemCommand("Credits: show balance", "Available, total and held credits (needs the JWT)",
                        keys.show_balance)
    yield SystemCommand("Credits: show auto top-up", "Is auto top-up on, and at what threshold?", keys.show_topup)
    yield SystemCommand("Credits: set auto top-up…", "Buy credits automatically below a threshold",
                        keys.set_topup)
    yield SystemCommand("Credits: turn off auto top-up", "Stop buying credits automatically (asks first)",
                        keys.topup_off)
    if app.demo_session is not None:
        yield from demo_commands(app, app.demo_session.server)
    chat = app.chat
    if chat is None:
        return
    yield SystemCommand("New conversation", "Start a fresh conversation", chat.action_new_conversation)
    yield SystemCommand("New chat with preset…", "Start a conversation with a preset's system prompt, model "
                        "and settings", chat.action_new_with_preset)
    yield SystemCommand("Conversation settings…", "This conversation's system prompt, temperature, top_p and "
                        "max tokens (F3)", chat.action_settings)
    yield SystemCommand("Retry / regenerate", "Resend the failed prompt, or add an alternative to the last reply",
                        chat.action_retry)
    yield SystemCommand("Regenerate with another model…", "Pick a model; its reply becomes an alternative "
                        "to the last one (m on any reply)", chat.action_regenerate_last_with)
    yield SystemCommand("Edit last prompt", "Load your last message into the box; sending starts a new branch "
                        "(e on any of your messages)", chat.action_edit_last_prompt)
    yield SystemCommand("Compare alternatives", "The last reply beside its alternatives (v on any reply)",
                        chat.action_compare_last)
    yield SystemCommand("Continue reply", "Ask the model to carry on a stopped, interrupted or cut reply",
                        chat.action_continue_reply)
    yield SystemCommand("Stop reply", "Stop the reply that is streaming", chat.action_stop)
    yield SystemCommand("Copy last reply", "Copy the last reply to the clipboard", chat.action_copy_last_reply)
    yield SystemCommand("Open editor", "Write the prompt in $EDITOR", chat.action_open_editor)
    yield SystemCommand("Attach a file…", "Pick a text file or image for the next message (Ctrl+F; or type @path)",
                        chat.action_attach_file)
    yield SystemCommand("Jump to end", "Scroll to the newest message and follow", chat.action_jump_to_end)
    yield SystemCommand("Export conversation as Markdown", "Write this conversation to a .md file",
                        chat.action_export)
    yield SystemCommand("Export conversation as JSON", "Write this conversation to a .json file "
                        "(OpenAI messages plus metadata)", lambda: chat.action_export("json"))


def demo_commands(app: PinataChatApp, server: PinataDevServer) -> Iterable[SystemCommand]:
    """Let a demo user see the failure paths and the shapes real gateways stream."""
    from pinata_tui.devserver import Fault

    def run_out() -> None:
        server.state.balance_micro = 1_234
        server.state.add_fault(Fault(status=402))
        app.notify("The next request will find the account out of credits.")

    def top_up() -> None:
        server.state.balance_micro = 10_000_000
        app.refresh_balance()
        app.notify("Demo account topped up to 10 credits.")

    def queue(fault: Fault, what: str) -> Callable[[], None]:
        def apply() -> None:
            server.state.add_fault(fault)
            app.notify(what)
        return apply

    yield SystemCommand("Demo: run out of credits", "The next request gets a 402 (see the credits banner)", run_out)
    yield SystemCommand("Demo: top up credits", "Give the demo account 10 credits again", top_up)
    yield SystemCommand("Demo: rate limit the next reply", "A 429 with Retry-After: 3 (watch the countdown)",
                        queue(Fault(status=429, retry_after="3"), "The next request will be rate limited once."))
    yield SystemCommand("Demo: cut the next reply", "The connection drops mid-reply (then try Ctrl+G)",
                        queue(Fault(cut_after=40), "The next reply will be cut off part-way."))
    yield SystemCommand("Demo: server error page", "A proxy's 502 HTML page, three times",
                        queue(Fault(status=502, html=True, times=3), "The next request will hit a 502."))
    yield SystemCommand("Demo: a thinking model", "The next reply thinks first (press t on it to read)",
                        queue(Fault(reasoning="reasoning_content", reasoning_tokens=60),
                              "The next reply will stream its reasoning before the answer."))
    yield SystemCommand("Demo: cut at the token limit", "The next reply stops at max_tokens (then Ctrl+G)",
                        queue(Fault(content_tokens=30, finish_reason="length"),
                              "The next reply will be cut at the token limit."))
    yield SystemCommand("Demo: all budget spent thinking", "Reasoning only, no visible text, cut at the limit",
                        queue(Fault(reasoning="reasoning", reasoning_tokens=40, content_tokens=0,
                                    finish_reason="length"),
                              "The next reply will think until it hits the token limit."))
    yield SystemCommand("Demo: error mid-reply", "The provider fails inside the stream (OpenRouter style)",
                        queue(Fault(stream_error="Provider returned error: upstream overloaded",
                                    stream_error_after=25),
                              "The next reply will fail part-way, with the server's message."))
