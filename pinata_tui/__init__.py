"""pinata-chat: a terminal chat client for Pinata Inference."""

__version__ = "0.1.0"
