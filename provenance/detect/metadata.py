"""Read the text an image file carries, from every container, without decoding pixels.

Generator tools write the same facts to many places: PNG tEXt/zTXt/iTXt chunks,
EXIF (UserComment, ImageDescription, Make/Model, XP* tags, in IFD0 or the Exif
IFD, in ASCII, UTF-16 of either byte order, JIS or undefined encoding), XMP
packets, JPEG COM segments, WebP EXIF/XMP chunks. The reader turns all of them
into one flat list of :class:`TextField` (container, key, text), so the generator
parsers look at content wherever it is, not at one carrier per tool.

PNG chunks are walked directly (Pillow only reads text after IDAT once it has
decoded the image), with limits on chunk count and inflated size so a hostile
file cannot balloon. EXIF comes from Pillow's lazy reader. Nothing here decodes
pixels: this is the fast path.
"""

from __future__ import annotations

import html
import io
import re
import struct
import warnings
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from PIL import ExifTags, Image, UnidentifiedImageError

from provenance.errors import InputError

MAX_TEXT_CHUNKS = 512
MAX_TEXT_BYTES = 4 * 1024 * 1024
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_ISOBMFF = frozenset({"image/avif", "image/heic", "image/heif"})
# EXIF text tags read from every IFD (IFD0, the Exif IFD, IFD1): tools disagree on where.
_EXIF_TAGS = {
    0x010E: "ImageDescription",
    0x010F: "Make",
    0x0110: "Model",
    0x0131: "Software",
    0x013B: "Artist",
    0x9286: "UserComment",
    0x9C9B: "XPTitle",
    0x9C9C: "XPComment",
    0x9C9F: "XPSubject",
}
_XP_TAGS = frozenset({0x9C9B, 0x9C9C, 0x9C9F})  # Windows: always UTF-16LE
_USER_COMMENT = 0x9286
_XMP_TAG = 700  # TIFF's XMP packet
_HOME_IFD = {"UserComment": "Exif IFD"}  # where the standard puts a tag (default IFD0)
# XMP properties that carry free text a generator may write to.
XMP_PROPERTIES = (
    "Iptc4xmpExt:DigitalSourceType",
    "xmp:CreatorTool",
    "tiff:Software",
    "tiff:ImageDescription",
    "tiff:Make",
    "tiff:Model",
    "tiff:Artist",
    "exif:UserComment",
    "dc:description",
    "dc:title",
    "dc:creator",
    "photoshop:Credit",
)


@dataclass(frozen=True)
class TextField:
    """One piece of text and where it was found: ``container`` (PNG text chunk,
    EXIF, XMP, JPEG COM segment...), ``key`` (keyword, tag or property name) and,
    for EXIF tags outside their usual IFD, ``detail`` (e.g. "in IFD0")."""

    container: str
    key: str
    text: str
    detail: str = ""

    @property
    def where(self) -> str:
        """How a report names this place, e.g. "PNG text chunk 'prompt'", "EXIF UserComment (in IFD0)"."""
        if self.container in ("EXIF", "XMP"):
            name = f"{self.container} {self.key}"
        elif self.key:
            name = f"{self.container} '{self.key}'"
        else:
            name = self.container
        return f"{name} ({self.detail})" if self.detail else name


@dataclass
class Metadata:
    """Every text field the file carries, in file order, plus the raw XMP packet."""

    fields: list[TextField] = field(default_factory=list)
    xmp: str | None = None
    has_alpha: bool = False
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.xmp and not any(f.container == "XMP" for f in self.fields):
            self.fields += xmp_fields(self.xmp)

    def add_xmp(self, packet: str) -> None:
        if self.xmp is None:
            self.xmp = packet
        self.fields += xmp_fields(packet)

    def first(self, key: str) -> TextField | None:
        """The first field named ``key``, in any container."""
        return next((f for f in self.fields if f.key == key), None)

    @property
    def png_text(self) -> dict[str, str]:
        """PNG text chunks by keyword (first wins)."""
        out: dict[str, str] = {}
        for item in self.fields:
            if item.container == "PNG text chunk":
                out.setdefault(item.key, item.text)
        return out

    @property
    def exif(self) -> dict[str, str]:
        """EXIF text tags by name, whichever IFD they were in (first wins)."""
        out: dict[str, str] = {}
        for item in self.fields:
            if item.container == "EXIF":
                out.setdefault(item.key, item.text)
        return out


def read_metadata(data: bytes, mime: str) -> Metadata:
    """Every text field in the file; what cannot be read is noted in ``problems``, never raised."""
    meta = Metadata()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # Pillow warns about corrupt EXIF: a problem to note, not to print
        try:
            _read_any(data, mime, meta)
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError, struct.error) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            meta.problems.append(f"metadata unreadable: {reason}")
    meta.problems += list(dict.fromkeys(f"metadata: {str(w.message).strip()}" for w in caught))[:5]
    return meta


def _read_any(data: bytes, mime: str, meta: Metadata) -> None:
    if mime == "image/png":
        _read_png(data, meta)
    elif mime == "image/webp":
        _read_webp(data, meta)
    elif mime in _ISOBMFF:
        if packet := _raw_xmp(data):  # Pillow decodes these on open; the XMP packet is plain text
            meta.add_xmp(packet)
    else:
        _read_with_pillow(data, meta)


def _raw_xmp(data: bytes) -> str | None:
    start = data.find(b"<x:xmpmeta")
    end = data.find(b"</x:xmpmeta>", start)
    if start < 0 or end < 0 or end - start > MAX_TEXT_BYTES:
        return None
    return data[start : end + len(b"</x:xmpmeta>")].decode("utf-8", errors="replace")


def _read_png(data: bytes, meta: Metadata) -> None:
    """Walk the chunks: text, eXIf, and whether there is alpha (IHDR colour type, tRNS).
    Pillow would decode the whole image to reach chunks after IDAT."""
    for kind, body in _png_chunks(data, meta.problems):
        if kind == b"IHDR" and len(body) >= 10:
            meta.has_alpha = meta.has_alpha or body[9] in (4, 6)
        elif kind == b"tRNS":
            meta.has_alpha = True
        elif kind == b"eXIf":
            meta.fields += exif_fields(body)
        elif kind in (b"tEXt", b"zTXt", b"iTXt"):
            try:
                key, text = _text_chunk(kind, body)
            except (ValueError, zlib.error) as exc:
                meta.problems.append(f"unreadable {kind.decode()} chunk ({exc})")
                continue
            if key == "XML:com.adobe.xmp":
                meta.add_xmp(text)
            else:
                meta.fields.append(TextField("PNG text chunk", key, text))


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
            meta.fields += exif_fields(body)
        elif fourcc == b"XMP ":
            meta.add_xmp(body.decode("utf-8", errors="replace"))


def _read_with_pillow(data: bytes, meta: Metadata) -> None:
    """JPEG, TIFF, GIF, HEIF...: Pillow reads these headers lazily, without decoding pixels.
    A header declaring a decompression bomb (Pillow refuses to open it) is unreadable input."""
    try:
        opened = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        raise InputError("image dimensions are over the pixel limit (possible decompression bomb)") from None
    with opened as img:
        meta.has_alpha = "A" in img.getbands() or "transparency" in img.info
        exif = img.getexif()
        meta.fields += _fields_of(exif)
        for name, body in getattr(img, "applist", []):
            if name == "COM":
                meta.fields.append(TextField("JPEG COM segment", "", _plain(body)))
        comment = img.info.get("comment")
        if comment and not any(f.container == "JPEG COM segment" for f in meta.fields):
            meta.fields.append(TextField(f"{img.format or 'image'} comment", "", _plain(comment)))
        xmp = img.info.get("xmp") or img.info.get("XML:com.adobe.xmp") or exif.get(_XMP_TAG)
        if isinstance(xmp, (bytes, tuple)):
            xmp = bytes(xmp).decode("utf-8", errors="replace")
        if isinstance(xmp, str) and xmp.strip():
            meta.add_xmp(xmp)


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


def exif_fields(raw: bytes) -> list[TextField]:
    """The text tags of a raw EXIF block (with or without the ``Exif\\0\\0`` header)."""
    exif = Image.Exif()
    exif.load(raw[6:] if raw.startswith(b"Exif\x00\x00") else raw)
    return _fields_of(exif)


def _fields_of(exif: Image.Exif) -> list[TextField]:
    """Every known text tag, from IFD0, the Exif IFD and IFD1 alike."""
    big_endian = getattr(exif, "endian", "<") in (">", "MM")
    ifds: list[tuple[str, dict[int, object]]] = [("IFD0", _readable(exif))]
    for name, ifd in (("Exif IFD", ExifTags.IFD.Exif), ("IFD1", ExifTags.IFD.IFD1)):
        try:
            ifds.append((name, _readable(exif.get_ifd(ifd))))
        except (KeyError, ValueError, TypeError, struct.error):  # a broken sub-IFD: skip it
            continue
    out: list[TextField] = []
    for ifd_name, tags in ifds:
        for tag, name in _EXIF_TAGS.items():
            value = tags.get(tag)
            if value is None:
                continue
            text = _exif_text(tag, value, big_endian)
            if text:
                home = _HOME_IFD.get(name, "IFD0")
                out.append(TextField("EXIF", name, text, "" if ifd_name == home else f"in {ifd_name}"))
    return out


_BROKEN_TAG = (KeyError, ValueError, TypeError, struct.error)


def _readable(ifd: Mapping[int, object]) -> dict[int, object]:
    """The tags of an IFD that Pillow can read, one at a time: a tag whose entry is broken (a
    damaged TIFF's IFD0 raised KeyError from inside Pillow, fuzz/run.py found it) is skipped."""
    try:
        tags = list(ifd.keys())
    except _BROKEN_TAG:
        return {}
    out: dict[int, object] = {}
    for tag in tags:
        try:
            out[tag] = ifd[tag]
        except _BROKEN_TAG:
            continue
    return out


def _as_bytes(value: object) -> bytes | None:
    """Pillow gives ASCII tags as str (decoded as latin-1), others as bytes or int tuples."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("latin-1", errors="replace")
    if isinstance(value, tuple) and all(isinstance(v, int) and 0 <= v < 256 for v in value):
        return bytes(value)
    return None


def _exif_text(tag: int, value: object, big_endian: bool) -> str:
    raw = _as_bytes(value)
    if raw is None:
        return str(value).strip("\x00 ")
    if tag == _USER_COMMENT:
        return user_comment(raw, big_endian=big_endian)
    if tag in _XP_TAGS:
        return raw[: len(raw) & ~1].decode("utf-16-le", errors="replace").strip("\x00 ")
    return _plain(raw)


def _plain(raw: bytes | str) -> str:
    """Text of unknown encoding: UTF-8 when it is valid UTF-8, else Latin-1."""
    if isinstance(raw, str):
        return raw.strip("\x00 ")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return text.strip("\x00 ")


_UNICODE, _ASCII, _JIS, _UNDEFINED = b"UNICODE\x00", b"ASCII\x00\x00\x00", b"JIS\x00\x00\x00\x00\x00", b"\x00" * 8


def user_comment(value: object, *, big_endian: bool = True) -> str:
    """EXIF UserComment: an 8-byte character-code prefix, then the text.

    ``UNICODE`` is UTF-16 in either byte order (A1111 writes big-endian, others the
    file's byte order or little-endian), told apart by where the zero bytes of
    Latin text fall; ``JIS`` is Japanese text; ``ASCII`` and undefined are read as
    UTF-8 (what tools actually write there). A value with no prefix is read whole.
    """
    raw = _as_bytes(value)
    if raw is None:
        return str(value).strip("\x00 ")
    prefix, body = raw[:8], raw[8:]
    if prefix == _UNICODE or prefix.rstrip(b"\x00") == b"UNICODE":
        return _utf16(body, big_endian).strip("\x00")
    if prefix == _JIS:
        return _jis(body).strip("\x00 ")
    if prefix in (_ASCII, _UNDEFINED):
        return _plain(body)
    return _plain(raw)


def _utf16(body: bytes, big_endian: bool) -> str:
    if body[:2] in (b"\xfe\xff", b"\xff\xfe"):
        return body[: len(body) & ~1].decode("utf-16", errors="replace")
    body = body[: len(body) & ~1]
    even, odd = body[0::2].count(0), body[1::2].count(0)
    if even != odd:
        big_endian = even > odd  # Latin text: the zero byte comes first in big-endian
    return body.decode("utf-16-be" if big_endian else "utf-16-le", errors="replace")


def _jis(body: bytes) -> str:
    for codec in ("utf-8", "iso2022_jp", "shift_jis", "euc_jp"):
        try:
            return body.decode(codec)
        except UnicodeDecodeError:
            continue
    return body.decode("latin-1")


def xmp_fields(xmp: str) -> list[TextField]:
    """The values of the XMP properties generators write to, as fields."""
    return [TextField("XMP", tag, value) for tag in XMP_PROPERTIES for value in xmp_values(xmp, tag)]


def xmp_values(xmp: str, tag: str) -> list[str]:
    """Values of an XMP property, as attribute or element (rdf:li items included), unescaped."""
    prefix = re.escape(tag)
    values = re.findall(prefix + r'\s*=\s*"([^"]*)"', xmp)
    for block in re.findall(r"<" + prefix + r"\b[^>]*>(.*?)</" + prefix + ">", xmp, re.DOTALL):
        items = re.findall(r"<rdf:li\b[^>]*>(.*?)</rdf:li>", block, re.DOTALL)
        values.extend(items or [block])
    resources_ = re.findall(prefix + r'\s+rdf:resource\s*=\s*"([^"]*)"', xmp)
    return [html.unescape(v).strip() for v in values + resources_ if v.strip()]
