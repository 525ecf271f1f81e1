"""The chat screen and its widgets: the conversation pane, messages, prompt, status bar, credits banner."""
