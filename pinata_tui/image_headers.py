"""An image's header checked, and its size read: PNG, JPEG, GIF and WebP. Knows nothing of Textual.

Bytes that start like an image are taken as one only when the header that says its size is there
and whole (a PNG's IHDR with a good checksum, a JPEG's frame header, a GIF's screen descriptor, a
WebP's VP8 / VP8L / VP8X header) and the size is sane; otherwise ``ImageHeaderError`` says why in
words (it completes "not a valid PNG: …"). Pixels are not decoded: a file damaged after its
header still passes, and the server says so if it cannot read it.
"""

from __future__ import annotations

import struct
import zlib

MAX_IMAGE_SIDE = 65_535
"""The longest side accepted, in pixels (JPEG's and GIF's own limit)."""
MAX_IMAGE_PIXELS = 100_000_000
"""The most pixels accepted (100 megapixels: far past what any model looks at)."""

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_FRAMES = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
_JPEG_BARE = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM and RST0-7 have no length
_CUT = "it is cut short before the header that gives its size"


class ImageHeaderError(ValueError):
    """Why bytes that start like an image are not a usable one (completes "not a valid PNG: …")."""


def image_size(data: bytes, mime: str) -> tuple[int, int]:
    """Width and height from the header of ``data``, an image of type ``mime`` (as sniffed from its
    first bytes); raises ``ImageHeaderError`` when the header is missing, damaged or absurd."""
    reader = {"image/png": _png, "image/jpeg": _jpeg, "image/gif": _gif, "image/webp": _webp}.get(mime)
    if reader is None:
        raise ImageHeaderError(f"{mime} is not an image type that can be attached")
    width, height = reader(data)
    if width < 1 or height < 1:
        raise ImageHeaderError(f"its header gives it no size ({width}×{height} pixels)")
    if max(width, height) > MAX_IMAGE_SIDE or width * height > MAX_IMAGE_PIXELS:
        raise ImageHeaderError(f"its header claims {width:,}×{height:,} pixels (up to {MAX_IMAGE_SIDE:,} a side "
                               f"and {MAX_IMAGE_PIXELS // 1_000_000} megapixels): damaged, or too large to send")
    return width, height


def _png(data: bytes) -> tuple[int, int]:
    if len(data) < 33:
        raise ImageHeaderError(_CUT)
    length, kind = struct.unpack(">I4s", data[8:16])
    if kind != b"IHDR" or length != 13:
        raise ImageHeaderError("its header is damaged (no IHDR chunk first)")
    if zlib.crc32(data[12:29]) != struct.unpack(">I", data[29:33])[0]:
        raise ImageHeaderError("its header is damaged (the IHDR checksum does not match)")
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def _jpeg(data: bytes) -> tuple[int, int]:
    index = 2
    while True:
        while index < len(data) and data[index] == 0xFF and index + 1 < len(data) and data[index + 1] == 0xFF:
            index += 1  # fill bytes before a marker
        if index + 2 > len(data):
            raise ImageHeaderError(_CUT)
        if data[index] != 0xFF:
            raise ImageHeaderError("its header is damaged (a segment does not start with a marker)")
        marker = data[index + 1]
        if marker in _JPEG_BARE:
            index += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image, or the scan, before any frame header
            raise ImageHeaderError("its header is damaged (no frame header before the image data)")
        if index + 4 > len(data):
            raise ImageHeaderError(_CUT)
        length = struct.unpack(">H", data[index + 2:index + 4])[0]
        if length < 2:
            raise ImageHeaderError("its header is damaged (a segment with an impossible length)")
        if marker in _JPEG_FRAMES:
            if length < 8 or index + 9 > len(data):
                raise ImageHeaderError(_CUT)
            height, width = struct.unpack(">HH", data[index + 5:index + 9])
            return int(width), int(height)
        index += 2 + length


def _gif(data: bytes) -> tuple[int, int]:
    if len(data) < 13:  # the 6-byte signature and the 7-byte logical screen descriptor
        raise ImageHeaderError(_CUT)
    width, height = struct.unpack("<HH", data[6:10])
    return int(width), int(height)


def _webp(data: bytes) -> tuple[int, int]:
    chunk = data[12:16]
    if chunk == b"VP8 ":
        if len(data) < 30:
            raise ImageHeaderError(_CUT)
        if data[23:26] != b"\x9d\x01\x2a":
            raise ImageHeaderError("its header is damaged (no VP8 start code)")
        width, height = struct.unpack("<HH", data[26:30])
        return int(width) & 0x3FFF, int(height) & 0x3FFF
    if chunk == b"VP8L":
        if len(data) < 25:
            raise ImageHeaderError(_CUT)
        if data[20] != 0x2F:
            raise ImageHeaderError("its header is damaged (no VP8L signature)")
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        if len(data) < 30:
            raise ImageHeaderError(_CUT)
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    if len(data) < 16:
        raise ImageHeaderError(_CUT)
    raise ImageHeaderError("its header is damaged (no VP8, VP8L or VP8X chunk first)")
