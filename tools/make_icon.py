#!/usr/bin/env python3
"""Draws ext/remoteCompletion/remote-completion.png: the task's 32x32 icon.

A purple (#8E2A75, the task colour) rounded square with a white envelope.
Only zlib and struct, so the bytes are reproducible anywhere;
tests/foundation/test_icon.py checks the committed PNG equals this output.

Usage: python3 tools/make_icon.py [OUTPUT]
"""
import struct
import sys
import zlib
from pathlib import Path

SIZE = 32
PURPLE = (0x8E, 0x2A, 0x75, 255)
WHITE = (255, 255, 255, 255)
CLEAR = (0, 0, 0, 0)
RADIUS = 6
DEFAULT_OUT = (
    Path(__file__).resolve().parents[1] / "ext" / "remoteCompletion" / "remote-completion.png"
)


def inside_rounded_square(x, y):
    # Distance to the nearest corner centre decides the four rounded corners.
    cx = min(max(x, RADIUS), SIZE - 1 - RADIUS)
    cy = min(max(y, RADIUS), SIZE - 1 - RADIUS)
    return (x - cx) ** 2 + (y - cy) ** 2 <= RADIUS ** 2


def on_envelope(x, y):
    left, right, top, bottom = 6, 25, 9, 22
    if not (left <= x <= right and top <= y <= bottom):
        return False
    if x in (left, right) or y in (top, bottom):
        return True  # the outline
    # The flap: two lines from the top corners meeting in the middle.
    middle = (left + right) / 2
    flap_y = top + (middle - abs(x - middle)) * 0.6
    return abs(y - flap_y) < 0.8


def pixels():
    for y in range(SIZE):
        row = []
        for x in range(SIZE):
            if not inside_rounded_square(x, y):
                row.append(CLEAR)
            elif on_envelope(x, y):
                row.append(WHITE)
            else:
                row.append(PURPLE)
        yield row


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def png_bytes():
    raw = b"".join(b"\x00" + bytes(v for px in row for v in px) for row in pixels())
    header = struct.pack(">IIBBBBB", SIZE, SIZE, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main(argv):
    out = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUT
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(png_bytes())
    print(out)


if __name__ == "__main__":
    main(sys.argv)
