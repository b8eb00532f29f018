"""Read the metadata an image file carries, without decoding its pixels.

PNG text chunks are walked directly (Pillow only reads text after IDAT once
it has decoded the image), with limits on chunk count and inflated size so a
hostile file cannot balloon. EXIF comes from Pillow's lazy reader, XMP from
the file's XMP packet. Nothing here decodes pixels: this is the fast path.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from PIL import Image, UnidentifiedImageError

from provenance.errors import InputError

MAX_TEXT_CHUNKS = 512
MAX_TEXT_BYTES = 4 * 1024 * 1024
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_ISOBMFF = frozenset({"image/avif", "image/heic", "image/heif"})
_EXIF_TAGS = {0x010E: "ImageDescription", 0x010F: "Make", 0x0110: "Model", 0x0131: "Software", 0x013B: "Artist"}
_EXIF_IFD = 0x8769
_USER_COMMENT = 0x9286


@dataclass
class Metadata:
    """Text fields found in the file, by where they live."""

    png_text: dict[str, str] = field(default_factory=dict)
    exif: dict[str, str] = field(default_factory=dict)
    xmp: str | None = None
    has_alpha: bool = False
    problems: list[str] = field(default_factory=list)


def read_metadata(data: bytes, mime: str) -> Metadata:
    meta = Metadata()
    try:
        if mime == "image/png":
            _read_png(data, meta)
        elif mime == "image/webp":
            _read_webp(data, meta)
        elif mime in _ISOBMFF:
            meta.xmp = _raw_xmp(data)  # Pillow decodes these on open; the XMP packet is plain text
        else:
            _read_with_pillow(data, meta)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, struct.error) as exc:
        meta.problems.append(f"metadata unreadable: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
    return meta


def _raw_xmp(data: bytes) -> str | None:
    start = data.find(b"<x:xmpmeta")
    end = data.find(b"</x:xmpmeta>", start)
    if start < 0 or end < 0 or end - start > MAX_TEXT_BYTES:
        return None
    return data[start : end + len(b"</x:xmpmeta>")].decode("utf-8", errors="replace")


def _exif_from_bytes(raw: bytes) -> dict[str, str]:
    exif = Image.Exif()
    exif.load(raw[6:] if raw.startswith(b"Exif\x00\x00") else raw)
    return _exif_fields(exif)


def _read_png(data: bytes, meta: Metadata) -> None:
    """Walk the chunks: text, eXIf, and whether there is alpha (IHDR colour type, tRNS).
    Pillow would decode the whole image to reach chunks after IDAT."""
    for kind, body in _png_chunks(data, meta.problems):
        if kind == b"IHDR" and len(body) >= 10:
            meta.has_alpha = meta.has_alpha or body[9] in (4, 6)
        elif kind == b"tRNS":
            meta.has_alpha = True
        elif kind == b"eXIf":
            meta.exif = _exif_from_bytes(body)
        elif kind in (b"tEXt", b"zTXt", b"iTXt"):
            try:
                key, text = _text_chunk(kind, body)
            except (ValueError, zlib.error) as exc:
                meta.problems.append(f"unreadable {kind.decode()} chunk ({exc})")
                continue
            meta.png_text.setdefault(key, text)
    xmp = meta.png_text.pop("XML:com.adobe.xmp", None)
    meta.xmp = xmp


def _read_webp(data: bytes, meta: Metadata) -> None:
    """RIFF chunks: EXIF, XMP and the alpha flags, without decoding any frame."""
    pos = 12
    while pos + 8 <= len(data):
        fourcc, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        body = data[pos + 8 : pos + 8 + size]
        pos += 8 + size + (size & 1)
        if fourcc == b"VP8X" and body:
            meta.has_alpha = bool(body[0] & 0x10)
        elif fourcc == b"ALPH":
            meta.has_alpha = True
        elif fourcc == b"EXIF":
            meta.exif = _exif_from_bytes(body)
        elif fourcc == b"XMP ":
            meta.xmp = body.decode("utf-8", errors="replace")


def _read_with_pillow(data: bytes, meta: Metadata) -> None:
    """JPEG, TIFF, HEIF...: Pillow reads these headers lazily, without decoding pixels.
    A header declaring a decompression bomb (Pillow refuses to open it) is unreadable input."""
    try:
        opened = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        raise InputError("image dimensions are over the pixel limit (possible decompression bomb)") from None
    with opened as img:
        meta.has_alpha = "A" in img.getbands() or "transparency" in img.info
        xmp = img.info.get("xmp") or img.info.get("XML:com.adobe.xmp")
        if isinstance(xmp, bytes):
            xmp = xmp.decode("utf-8", errors="replace")
        meta.xmp = xmp if isinstance(xmp, str) else None
        meta.exif = _exif_fields(img.getexif())


def _png_chunks(data: bytes, problems: list[str]) -> Iterator[tuple[bytes, bytes]]:
    """(type, body) of each chunk up to IEND, at most MAX_TEXT_CHUNKS text chunks."""
    if not data.startswith(_PNG_SIGNATURE):
        return
    pos, texts = len(_PNG_SIGNATURE), 0
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IEND" or len(body) < length:
            return
        if kind in (b"tEXt", b"zTXt", b"iTXt"):
            texts += 1
            if texts > MAX_TEXT_CHUNKS:
                problems.append(f"more than {MAX_TEXT_CHUNKS} text chunks; the rest were ignored")
                return
        yield kind, body


def _inflate(blob: bytes) -> bytes:
    inflater = zlib.decompressobj()
    out = inflater.decompress(blob, MAX_TEXT_BYTES)
    if inflater.unconsumed_tail:
        raise ValueError(f"compressed text inflates past {MAX_TEXT_BYTES} bytes")
    return out


def _text_chunk(kind: bytes, body: bytes) -> tuple[str, str]:
    key, sep, rest = body.partition(b"\x00")
    if not sep:
        raise ValueError("no keyword separator")
    keyword = key.decode("latin-1")
    if kind == b"tEXt":
        return keyword, rest.decode("latin-1")
    if kind == b"zTXt":
        return keyword, _inflate(rest[1:]).decode("latin-1")
    compressed, _method = rest[0], rest[1]
    _lang, _, rest = rest[2:].partition(b"\x00")
    _translated, _, text = rest.partition(b"\x00")
    return keyword, (_inflate(text) if compressed else text).decode("utf-8", errors="replace")


def _exif_fields(exif: Image.Exif) -> dict[str, str]:
    out = {name: _text(exif.get(tag)) for tag, name in _EXIF_TAGS.items() if exif.get(tag)}
    comment = exif.get_ifd(_EXIF_IFD).get(_USER_COMMENT)
    if comment:
        out["UserComment"] = user_comment(comment)
    return {k: v for k, v in out.items() if v}


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace").strip("\x00 ")
    return str(value).strip("\x00 ")


def user_comment(value: object) -> str:
    """EXIF UserComment: an 8-byte charset prefix, then the text (A1111 writes UTF-16)."""
    if not isinstance(value, bytes):
        return _text(value)
    prefix, body = value[:8], value[8:]
    if prefix.startswith(b"UNICODE"):
        if len(body) >= 2 and body[0] == 0 and body[1] != 0:
            return body.decode("utf-16-be", errors="replace").strip("\x00")
        return body.decode("utf-16-le", errors="replace").strip("\x00")
    return body.decode("utf-8", errors="replace").strip("\x00 ")
