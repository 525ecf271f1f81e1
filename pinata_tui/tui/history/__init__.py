"""The conversations browser (F2): list, full-text search, rename, delete."""
