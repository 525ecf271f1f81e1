"""Small real images (valid headers) for attachment tests."""

from __future__ import annotations

import struct
import zlib


def png(width: int = 2, height: int = 3) -> bytes:
    """A valid PNG of ``width`` × ``height`` black pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\0" + b"\0\0\0" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


GIF = b"GIF89a\x04\x00\x05\x00\x00\x00\x00;"
JPEG = (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        b"\xff\xc0\x00\x11\x08\x00\x20\x00\x40\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01\xff\xd9")
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x00\x00\x00\x00\x09\x00\x00\x07\x00\x00"


def png_header(width: int, height: int) -> bytes:
    """Only a PNG's signature and IHDR chunk (checksum right): enough for its size, nothing drawn."""
    data = b"IHDR" + struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + data + struct.pack(">I", zlib.crc32(data))


WEBP_LOSSY = (b"RIFF\x1e\x00\x00\x00WEBPVP8 \x12\x00\x00\x00\x30\x01\x00\x9d\x01\x2a"
              + (320).to_bytes(2, "little") + (200).to_bytes(2, "little") + b"\0" * 6)
WEBP_LOSSLESS = (b"RIFF\x15\x00\x00\x00WEBPVP8L\x09\x00\x00\x00\x2f"
                 + ((64 - 1) | (48 - 1) << 14).to_bytes(4, "little") + b"\0" * 4)
