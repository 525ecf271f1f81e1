"""The model picker (Ctrl+L): the live catalog with prices, fuzzy filter."""
