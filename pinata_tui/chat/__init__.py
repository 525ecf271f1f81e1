"""The conversation's logic, Textual-free: one chat turn (``turn``) and how replies end (``endings``)."""
