"""An image is attached only with a whole header and a sane size: damaged, cut or absurd files that
merely start like a PNG, JPEG, GIF or WebP are refused with one line that says why, from disk, in
an import, and with ``ask -a``."""

from __future__ import annotations

import base64

import pytest

from pinata_tui.attachment_content import from_json, image_dimensions, image_tokens
from pinata_tui.attachments import AttachmentError, read_attachment
from pinata_tui.image_headers import MAX_IMAGE_SIDE, ImageHeaderError, image_size
from tests.attachment_helpers import GIF, JPEG, WEBP, WEBP_LOSSLESS, WEBP_LOSSY, png, png_header

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(("data", "mime", "size"), [
    (png(2, 3), "image/png", (2, 3)), (png_header(2048, 4096), "image/png", (2048, 4096)),
    (JPEG, "image/jpeg", (64, 32)), (b"\xff\xd8\xff\xff" + JPEG[3:], "image/jpeg", (64, 32)),  # a fill byte
    (GIF, "image/gif", (4, 5)), (WEBP, "image/webp", (10, 8)), (WEBP_LOSSY, "image/webp", (320, 200)),
    (WEBP_LOSSLESS, "image/webp", (64, 48)),
])
def test_whole_headers_give_the_size(data, mime, size):
    assert image_size(data, mime) == size
    assert image_dimensions(data) == size


def test_hugedim_png_from_the_probe_is_refused():
    """33 bytes whose IHDR (checksum right) claims 4,000,000,000 × 4,000,000,000 pixels."""
    data = png_header(4_000_000_000, 4_000_000_000)
    assert len(data) == 33
    with pytest.raises(ImageHeaderError, match=r"claims 4,000,000,000×4,000,000,000 pixels"):
        image_size(data, "image/png")
    assert image_dimensions(data) is None


@pytest.mark.parametrize(("data", "mime", "why"), [
    (PNG_SIGNATURE + b"garbage garbage garbage garbage!!", "image/png", "no IHDR chunk"),
    (PNG_SIGNATURE + b"\0\0\0", "image/png", "cut short"),
    (png_header(20, 20)[:-1] + b"\0", "image/png", "checksum"),
    (png_header(0, 20), "image/png", "no size"),
    (png_header(MAX_IMAGE_SIDE + 1, 1), "image/png", "65,535 a side"),
    (png_header(20_000, 20_000), "image/png", "100 megapixels"),
    (b"\xff\xd8\xff\xe0", "image/jpeg", "cut short"),
    (JPEG[:25], "image/jpeg", "cut short"),
    (b"\xff\xd8\xff\xda\x00\x02" + b"\0" * 20, "image/jpeg", "no frame header"),
    (b"\xff\xd8\xff\xe0\x00\x00" + b"\0" * 20, "image/jpeg", "impossible length"),
    (b"\xff\xd8\xff\xe0\x00\x04\0\0\x12\x34", "image/jpeg", "does not start with a marker"),
    (b"GIF89a\x04\x00", "image/gif", "cut short"),
    (b"GIF89a\x00\x00\x05\x00\x00\x00\x00", "image/gif", "no size"),
    (b"RIFF\x04\x00\x00\x00WEBP", "image/webp", "cut short"),
    (b"RIFF\x10\x00\x00\x00WEBPJUNK" + b"\0" * 16, "image/webp", "no VP8"),
    (WEBP_LOSSY[:23] + b"\0\0\0" + WEBP_LOSSY[26:], "image/webp", "no VP8 start code"),
])
def test_damaged_cut_or_absurd_headers_say_why(data, mime, why):
    with pytest.raises(ImageHeaderError, match=why):
        image_size(data, mime)


@pytest.mark.parametrize(("name", "data", "message"), [
    ("magic.png", PNG_SIGNATURE + b"garbage that is no header at all", "magic.png is not a valid PNG image: its "
     "header is damaged (no IHDR chunk first)."),
    ("hugedim.png", png_header(4_000_000_000, 4_000_000_000), "hugedim.png is not a valid PNG image: its header "
     "claims 4,000,000,000×4,000,000,000 pixels"),
    ("trunc.jpg", b"\xff\xd8\xff\xe0", "trunc.jpg is not a valid JPEG image: it is cut short before the header "
     "that gives its size."),
])
def test_the_probes_files_are_refused_when_attached(tmp_path, name, data, message):
    (tmp_path / name).write_bytes(data)
    with pytest.raises(AttachmentError) as caught:
        read_attachment(name, cwd=tmp_path)
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


def test_an_import_with_a_damaged_image_is_refused():
    item = {"name": "trunc.jpg", "kind": "image", "mime": "image/jpeg",
            "data_base64": base64.b64encode(b"\xff\xd8\xff\xe0").decode("ascii")}
    with pytest.raises(AttachmentError, match="not a valid JPEG image"):
        from_json(item, "message 2")


def test_a_thin_image_is_at_least_one_tile_wide():
    from pinata_tui.attachments import Attachment

    thin = Attachment("thin.png", "image", "image/png", 33, data=png_header(1, MAX_IMAGE_SIDE))
    assert image_tokens(thin) == 85 + 170 * 4  # scaled to 0.03×2048: 1 × 4 tiles, not 0 × 4
