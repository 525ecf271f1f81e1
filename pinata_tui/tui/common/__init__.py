"""Widgets and dialogs shared by every screen: confirm and text dialogs, help, key hints."""
