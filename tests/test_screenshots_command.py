"""`manage.py screenshots` keeps the README's images small: cropped to a height, stored as palette PNGs."""

from __future__ import annotations

import io

from PIL import Image

from appeals.management.commands.screenshots import LAPTOP, PHONE, _free_port, _optimise


def _screen(width: int, height: int) -> bytes:
    image = Image.new("RGB", (width, height), (245, 246, 248))
    for y in range(0, height, 40):  # text-like stripes in a few colours
        image.paste((29, 78, 216) if y % 80 else (30, 30, 30), (20, y, width // 2, y + 12))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_optimise_crops_to_the_height_and_writes_a_palette_png():
    raw = _screen(LAPTOP["width"], 3000)
    small = _optimise(raw, 1400)
    image = Image.open(io.BytesIO(small))
    assert image.size == (1280, 1400)
    assert image.mode == "P"
    assert len(small) < len(raw)


def test_optimise_keeps_a_short_page_whole():
    image = Image.open(io.BytesIO(_optimise(_screen(PHONE["width"], 600), 1600)))
    assert image.size == (390, 600)


def test_free_port_is_bindable():
    import socket

    port = _free_port()
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))
    assert 1024 < port < 65536
