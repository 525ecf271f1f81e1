"""The reply renderer: Markdown rendered into cached lines, only the live tail redrawn while streaming.

- ``streaming_markdown``: the widget (``StreamingMarkdown``), one per reply: feeding, frames, drawing.
- ``reply_document``: the text as settled pieces and a live tail, link references across the reply.
- ``blocks``: where finished blocks end, from markdown-it's block line ranges.
- ``render``: Rich rendering of pieces (as they render in the whole document), the Markdown theme.
- ``code_block``, ``table_block``: code blocks and tables drawn directly, as Rich draws them, where they fit.
- ``packed_lines``: rendered lines stored out of the garbage collector's way.
- ``background_renderer``: the app's thread that renders saved replies.
"""
