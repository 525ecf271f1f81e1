"""``python -m pinata_tui.devserver``: serve the fake Pinata API on loopback."""

from pinata_tui.devserver.server import main

if __name__ == "__main__":
    raise SystemExit(main())
