"""Everything Textual. Nothing outside this package imports from it."""
