"""Image files with metadata written byte by byte: EXIF (any IFD, any encoding), XMP,
PNG text chunks, JPEG COM segments, WebP EXIF/XMP chunks.

Pillow only encodes the pixels; every metadata byte is laid out here, so the tests
control exactly what a generator tool would have written (no piexif, no Pillow
metadata writer smoothing things over).
"""

from __future__ import annotations

import html
import io
import struct
import zlib
from dataclasses import dataclass, field

from PIL import Image

ASCII, UNDEFINED, BYTE, SHORT, LONG, RATIONAL = 2, 7, 1, 3, 4, 5
EXIF_POINTER, GPS_POINTER = 0x8769, 0x8825


@dataclass
class Tag:
    tag: int
    type: int
    data: bytes  # already in the file's byte order for SHORT/LONG/RATIONAL

    def count(self) -> int:
        return len(self.data) // {SHORT: 2, LONG: 4, RATIONAL: 8}.get(self.type, 1)


@dataclass
class Exif:
    """A TIFF/EXIF block: IFD0, the Exif IFD, the GPS IFD and IFD1 (the thumbnail's)."""

    big_endian: bool = True
    ifd0: list[Tag] = field(default_factory=list)
    exif: list[Tag] = field(default_factory=list)
    gps: list[Tag] = field(default_factory=list)
    ifd1: list[Tag] = field(default_factory=list)
    thumbnail: bytes = b""

    @property
    def order(self) -> str:
        return ">" if self.big_endian else "<"

    def short(self, tag: int, value: int) -> Tag:
        return Tag(tag, SHORT, struct.pack(self.order + "H", value))

    def rationals(self, tag: int, *values: tuple[int, int]) -> Tag:
        return Tag(tag, RATIONAL, b"".join(struct.pack(self.order + "II", n, d) for n, d in values))

    def tobytes(self) -> bytes:
        """``Exif\\0\\0`` + the TIFF block."""
        order = self.order
        head = (b"MM" if self.big_endian else b"II") + struct.pack(order + "HI", 42, 8)
        # Lay out IFD0, then each sub-IFD; pointers are fixed-size, so sizes are known up front.
        subs = [(EXIF_POINTER, self.exif), (GPS_POINTER, self.gps)]
        ifd0 = list(self.ifd0) + [Tag(p, LONG, b"\0\0\0\0") for p, tags in subs if tags]
        offset = 8 + _ifd_size(ifd0)
        pointers: dict[int, int] = {}
        blocks: list[bytes] = []
        for pointer, tags in subs:
            if tags:
                pointers[pointer] = offset
                blocks.append(_ifd(tags, offset, order, 0))
                offset += len(blocks[-1])
        ifd1_offset = offset if self.ifd1 or self.thumbnail else 0
        if ifd1_offset:
            ifd1 = list(self.ifd1)
            if self.thumbnail:
                thumb_at = ifd1_offset + _ifd_size([*ifd1, Tag(0x0201, LONG, b"0000"), Tag(0x0202, LONG, b"0000")])
                ifd1 += [
                    Tag(0x0201, LONG, struct.pack(order + "I", thumb_at)),
                    Tag(0x0202, LONG, struct.pack(order + "I", len(self.thumbnail))),
                ]
            blocks.append(_ifd(ifd1, ifd1_offset, order, 0) + self.thumbnail)
        ifd0 = [Tag(t.tag, LONG, struct.pack(order + "I", pointers[t.tag])) if t.tag in pointers else t for t in ifd0]
        return b"Exif\x00\x00" + head + _ifd(ifd0, 8, order, ifd1_offset) + b"".join(blocks)


def _ifd_size(tags: list[Tag]) -> int:
    return 2 + 12 * len(tags) + 4 + sum(len(t.data) + (len(t.data) & 1) for t in tags if len(t.data) > 4)


def _ifd(tags: list[Tag], start: int, order: str, next_ifd: int) -> bytes:
    tags = sorted(tags, key=lambda t: t.tag)
    data_at = start + 2 + 12 * len(tags) + 4
    entries, data = struct.pack(order + "H", len(tags)), b""
    for tag in tags:
        if len(tag.data) <= 4:
            value = tag.data.ljust(4, b"\0")
        else:
            value = struct.pack(order + "I", data_at + len(data))
            data += tag.data + b"\0" * (len(tag.data) & 1)
        entries += struct.pack(order + "HHI", tag.tag, tag.type, tag.count()) + value
    return entries + struct.pack(order + "I", next_ifd) + data


def ascii_tag(tag: int, text: str) -> Tag:
    return Tag(tag, ASCII, text.encode("utf-8") + b"\0")


def user_comment(text: str, encoding: str) -> bytes:
    """A UserComment value: unicode-be, unicode-le, unicode-bom, ascii, jis, undefined or none (no prefix)."""
    if encoding == "unicode-be":
        return b"UNICODE\x00" + text.encode("utf-16-be")
    if encoding == "unicode-le":
        return b"UNICODE\x00" + text.encode("utf-16-le")
    if encoding == "unicode-bom":
        return b"UNICODE\x00" + text.encode("utf-16")
    if encoding == "ascii":
        return b"ASCII\x00\x00\x00" + text.encode("utf-8")
    if encoding == "jis":
        return b"JIS\x00\x00\x00\x00\x00" + text.encode("iso2022_jp")
    if encoding == "undefined":
        return b"\x00" * 8 + text.encode("utf-8")
    return text.encode("utf-8")


def xmp_packet(properties: dict[str, str]) -> bytes:
    body = "".join(f"<{k}>{html.escape(v, quote=False)}</{k}>" for k, v in properties.items())
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:exif="http://ns.adobe.com/exif/1.0/"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/"'
        ' xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/">'
        f"{body}</rdf:Description></rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    ).encode()


def _pixels(size: tuple[int, int] = (16, 16)) -> Image.Image:
    img = Image.new("RGB", size)
    img.putdata([((x * 16) % 256, (y * 16) % 256, 128) for y in range(size[1]) for x in range(size[0])])
    return img


def _encode(fmt: str, size: tuple[int, int] = (16, 16)) -> bytes:
    buf = io.BytesIO()
    _pixels(size).save(buf, fmt)
    return buf.getvalue()


# PNG


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def text_chunk(kind: str, key: str, text: str) -> bytes:
    keyword = key.encode("latin-1") + b"\0"
    if kind == "tEXt":
        return png_chunk(b"tEXt", keyword + text.encode("latin-1"))
    if kind == "zTXt":
        return png_chunk(b"zTXt", keyword + b"\0" + zlib.compress(text.encode("latin-1")))
    compressed = kind == "iTXt-z"
    payload = zlib.compress(text.encode("utf-8")) if compressed else text.encode("utf-8")
    return png_chunk(b"iTXt", keyword + bytes([compressed, 0]) + b"\0\0" + payload)


def png(*chunks: bytes, after_idat: bool = False) -> bytes:
    """A small valid PNG with ``chunks`` after IHDR (or just before IEND)."""
    base = _encode("PNG")
    at = len(base) - 12 if after_idat else 33
    return base[:at] + b"".join(chunks) + base[at:]


# JPEG


def jpeg_segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def jpeg(*segments: bytes, size: tuple[int, int] = (16, 16), pixels: Image.Image | None = None) -> bytes:
    """A small valid JPEG with ``segments`` right after SOI (Pillow writes no metadata here)."""
    buf = io.BytesIO()
    (pixels or _pixels(size)).save(buf, "JPEG", quality=90)
    base = buf.getvalue()
    return base[:2] + b"".join(segments) + base[2:]


def exif_segment(exif: Exif) -> bytes:
    return jpeg_segment(0xE1, exif.tobytes())


def xmp_segment(packet: bytes) -> bytes:
    return jpeg_segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + packet)


def com_segment(text: str) -> bytes:
    return jpeg_segment(0xFE, text.encode("utf-8"))


# WebP


def webp(exif: bytes | None = None, xmp: bytes | None = None) -> bytes:
    """An extended (VP8X) WebP carrying an EXIF and/or XMP chunk."""
    base = _encode("WEBP")
    assert base[12:16] in (b"VP8 ", b"VP8L"), base[12:16]
    width, height = 16, 16
    flags = (0x08 if exif else 0) | (0x04 if xmp else 0)
    vp8x = bytes([flags, 0, 0, 0]) + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    chunks = _riff_chunk(b"VP8X", vp8x) + base[12:]
    if exif:
        chunks += _riff_chunk(b"EXIF", exif)
    if xmp:
        chunks += _riff_chunk(b"XMP ", xmp)
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WEBP" + chunks


def _riff_chunk(fourcc: bytes, body: bytes) -> bytes:
    return fourcc + struct.pack("<I", len(body)) + body + b"\0" * (len(body) & 1)
