"""The logback snippet and the task icon."""
from __future__ import annotations

import struct
import subprocess
import sys
import zlib
from pathlib import Path

from lxml import etree

from remote_completion import logs

REPO = Path(__file__).resolve().parents[2]
ICON = REPO / "ext" / "remoteCompletion" / "remote-completion.png"


def test_logback_snippet_names_the_plugin_logger():
    root = etree.parse(str(REPO / "resources" / "logback-snippet.xml")).getroot()
    loggers = root.findall("logger")
    assert [(l.get("name"), l.get("level")) for l in loggers] == [(logs.LOGGER_NAME, "info")]
    text = (REPO / "resources" / "logback-snippet.xml").read_text()
    for word in ("debug", "trace", "mail.debug"):
        assert word in text


def png_rgba(data: bytes) -> tuple[int, int, list[bytes]]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        crc, = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF, kind
        if kind == b"IHDR":
            width, height, depth, colour, _c, _f, interlace = struct.unpack(">IIBBBBB", body)
            assert (depth, colour, interlace) == (8, 6, 0)  # RGBA, not interlaced
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = 1 + 4 * width
    rows = [raw[i * stride:(i + 1) * stride] for i in range(height)]
    assert all(row[0] == 0 for row in rows)  # filter "none", as the generator writes
    return width, height, [row[1:] for row in rows]


def test_icon_is_a_small_purple_png():
    width, height, rows = png_rgba(ICON.read_bytes())
    assert (width, height) == (32, 32)
    pixels = [tuple(row[i:i + 4]) for row in rows for i in range(0, len(row), 4)]
    purple = pixels.count((0x8E, 0x2A, 0x75, 255))
    assert purple > len(pixels) // 2
    assert (255, 255, 255, 255) in pixels  # the envelope


def test_icon_matches_its_generator(tmp_path):
    out = tmp_path / "icon.png"
    subprocess.run([sys.executable, str(REPO / "tools" / "make_icon.py"), str(out)],
                   check=True, capture_output=True, timeout=60)
    assert png_rgba(out.read_bytes()) == png_rgba(ICON.read_bytes())
