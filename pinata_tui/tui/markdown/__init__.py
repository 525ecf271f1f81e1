"""The reply renderer: Markdown rendered into cached lines, only the live tail redrawn while streaming."""
