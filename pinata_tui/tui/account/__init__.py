"""The first-run welcome screen and the key and credits dialogs."""
