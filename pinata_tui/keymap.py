"""The binding ids ``[keymap]`` in config.toml can remap, and what each does. Knows nothing of Textual.

The app's and screens' ``BINDINGS`` declare these ids (``Binding(..., id="chat.retry")``);
tests/test_cli_list.py checks that this table and those declarations name the same ids, so a
binding added in the app must be added here too. Config checking uses it to refuse an unknown id
(a typo would otherwise be ignored without a word), and help can list it.
"""

from __future__ import annotations

BINDING_IDS: dict[str, str] = {
    "app.models": "pick a model (Ctrl+L)",
    "app.history": "list, search and open conversations (F2)",
    "app.help": "show every key (F1)",
    "app.quit": "quit (Ctrl+Q)",
    "chat.stop": "stop the reply (Esc)",
    "chat.retry": "resend a prompt not sent, or add an alternative to the focused (or last) reply (Ctrl+R)",
    "chat.continue": "continue a cut-off reply (Ctrl+G)",
    "chat.editor": "write the prompt in $EDITOR (Ctrl+T)",
    "chat.copy_last": "copy the last reply (Ctrl+O)",
    "chat.new": "start a new conversation (Ctrl+N)",
    "chat.export": "export the conversation (Ctrl+S)",
    "chat.settings": "this conversation's system prompt, temperature, top_p, max tokens (F3)",
    "chat.end": "jump to the end and follow (Ctrl+End)",
    "chat.end_reading": "jump to the end while reading (End)",
    "chat.page_up": "scroll the conversation up a page, from anywhere (PageUp)",
    "chat.page_down": "scroll the conversation down a page, from anywhere (PageDown)",
    "chat.start": "jump to the first message (Ctrl+Home)",
    "chat.attach": "attach a file to the next message (Ctrl+F)",
    "attachments.remove": "remove the focused attachment chip (Delete, Backspace)",
    "filepicker.close": "close the file picker (Esc)",
    "chat.focus_newest": "from the prompt to the newest message (Tab)",
    "prompt.newline": "new line in the prompt (Shift+Enter, Alt+Enter, Ctrl+J)",
    "message.copy": "copy the focused message (y, c)",
    "message.copy_code": "copy the focused message's code block (k)",
    "message.reasoning": "show or hide the focused reply's reasoning (t)",
    "message.previous_alternative": "show the focused message's previous alternative (Left, [)",
    "message.next_alternative": "show the focused message's next alternative (Right, ])",
    "message.edit": "edit the focused prompt: sending it starts a new branch (e)",
    "message.regenerate_with": "add an alternative to the focused reply with another model (m)",
    "message.compare": "compare the focused reply with its alternatives side by side (v)",
    "chat.cancel_edit": "cancel editing an earlier prompt (Esc)",
    "chat.focus_prompt": "from a focused message back to the prompt (Esc)",
    "compare.close": "close the comparison (Esc)",
    "compare.side": "switch between the comparison's two sides (Left, Right, Tab)",
    "compare.previous": "show the previous alternative on this side (Left bracket)",
    "compare.next": "show the next alternative on this side (Right bracket)",
    "compare.choose": "make this side's reply the current branch (Enter)",
    "compare.down": "scroll both sides down (Down, j)",
    "compare.up": "scroll both sides up (Up, k)",
    "compare.page_down": "scroll both sides a page down (PageDown, Space)",
    "compare.page_up": "scroll both sides a page up (PageUp)",
    "history.close": "close the conversation list (Esc)",
    "history.new": "new conversation, from the list (Ctrl+N)",
    "history.rename": "rename the highlighted conversation (F2)",
    "history.delete": "delete the highlighted conversation (Delete, Ctrl+D)",
    "history.down": "from the search box into the list (Down)",
    "picker.close": "close the model picker (Esc)",
    "picker.down": "next model in the picker (Down)",
    "picker.up": "previous model in the picker (Up)",
    "welcome.skip": "skip the welcome screen (Esc)",
    "welcome.quit": "quit from the welcome screen (Ctrl+Q)",
    "dialog.cancel": "cancel a dialog (Esc)",
    "dialog.submit": "export from the export dialog, wherever its focus is (Enter)",
    "settings.save": "save the conversation settings dialog (Ctrl+S)",
    "help.close": "close the key help (Esc, F1, q)",
    "codepicker.close": "close the code block picker (Esc)",
}
"""Every binding id, with what it does and its default keys."""


def unknown_binding_problem(binding_id: str) -> str | None:
    """None for a known id; else one line naming the unknown id, a likely meant one, and every known id."""
    if binding_id in BINDING_IDS:
        return None
    import difflib  # only for a mistake: not on every start-up

    close = difflib.get_close_matches(binding_id, BINDING_IDS, n=1)
    hint = f" Did you mean {close[0]}?" if close else ""
    return f"unknown binding id {binding_id!r} in [keymap].{hint} Known ids: {', '.join(sorted(BINDING_IDS))}."
