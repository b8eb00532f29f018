"""The camera's EXIF a stamp keeps, and what it records of it in the manifest.

A stamp re-encodes the pixels (the watermark lives in them), so the input's
metadata would be lost. A careful tool copies the EXIF block across, minus what
no longer holds or should not travel by default:

- the orientation: the pixels are stored upright already (decoding applied it);
- the embedded thumbnail (IFD1): it shows the picture before the watermark;
- maker notes: proprietary blocks with offsets into the old file (and serials);
- TIFF layout tags (strips, tiles, bit depths) that describe the old encoding;
- the GPS location, unless the user asks for it: where a photo was taken can
  endanger the photographer or the people in it.

Make, model and capture time (and the location when kept) are also recorded
in the signed manifest as a ``c2pa.metadata`` assertion, so they survive a
metadata strip and are covered by the signature.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass, field

from PIL import ExifTags, Image

from provenance.report import camera_name

ORIENTATION = 0x0112
_EXIF_IFD, _GPS_IFD = ExifTags.IFD.Exif, ExifTags.IFD.GPSInfo
_MAKER_NOTE = 0x927C
_PIXEL_X, _PIXEL_Y = 0xA002, 0xA003
_DATE_ORIGINAL, _OFFSET_ORIGINAL = 0x9003, 0x9011
# The old file's layout: meaningless (or wrong) once the pixels are encoded again.
_LAYOUT_TAGS = frozenset(
    {0x0100, 0x0101, 0x0102, 0x0103, 0x0106, 0x0111, 0x0115, 0x0116, 0x0117, 0x011C, 0x0140, 0x0142, 0x0143}
    | {0x0144, 0x0145, 0x014A, 0x0152, 0x0153, 0x0201, 0x0202, 0x02BC, 0x83BB, 0x8773, _MAKER_NOTE}
)


@dataclass
class KeptExif:
    """``data``: the EXIF block for the output (None: the input had none, or it could not
    be rewritten: ``problem``); ``recorded``: XMP-style properties for the manifest;
    ``removed``: what was taken out, in words; ``gps_removed``/``gps_kept``: what became
    of a GPS block."""

    data: bytes | None = None
    recorded: dict[str, str] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    gps_removed: bool = False
    gps_kept: bool = False
    problem: str | None = None

    @property
    def camera(self) -> str:
        """The camera the EXIF names ("NIKON E950"; the maker once when the model repeats it), or ""."""
        return camera_name(self.recorded)


def keep(data: bytes, size: tuple[int, int], *, keep_gps: bool = False) -> KeptExif:
    """What of ``data``'s EXIF an output of ``size`` pixels (upright) should carry."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pillow warns about odd EXIF; what it cannot read is dropped
        try:
            return _keep(data, size, keep_gps)
        except (OSError, ValueError, TypeError, KeyError, SyntaxError, struct.error) as exc:
            return KeptExif(problem=f"the EXIF could not be copied ({str(exc).splitlines()[0] if str(exc) else exc!r})")


def _raw_exif(data: bytes) -> bytes | None:
    with Image.open(io.BytesIO(data)) as img:
        raw = img.info.get("exif")
        if isinstance(raw, bytes) and raw:
            return raw
        exif = img.getexif()  # TIFF: tags come from the file's own IFD
        return exif.tobytes() if len(exif) else None


def _fresh(raw: bytes) -> Image.Exif:
    exif = Image.Exif()
    exif.load(raw[6:] if raw.startswith(b"Exif\x00\x00") else raw)
    return exif


def _keep(data: bytes, size: tuple[int, int], keep_gps: bool) -> KeptExif:
    raw = _raw_exif(data)
    if not raw:
        return KeptExif()
    exif = _fresh(raw)
    if not len(exif):
        return KeptExif()
    kept = KeptExif(recorded=_recorded(exif))
    if exif.get(ORIENTATION, 1) != 1:
        kept.removed.append("orientation (the pixels are stored upright)")
    if _fresh(raw).get_ifd(ExifTags.IFD.IFD1):  # checked on a copy: Pillow would write a loaded IFD1 back
        kept.removed.append("embedded thumbnail")
    for tag in _LAYOUT_TAGS | {ORIENTATION}:
        exif.pop(tag, None)
    sub = exif.get_ifd(_EXIF_IFD)
    if sub.pop(_MAKER_NOTE, None) is not None:
        kept.removed.append("maker notes")
    for tag, value in ((_PIXEL_X, size[0]), (_PIXEL_Y, size[1])):
        if tag in sub:
            sub[tag] = value
    # read only when there: Pillow writes an IFD it was asked for back, empty (a GPS pointer with no
    # location in every stamped photo, which a privacy audit flags: a walkthrough)
    gps = exif.get_ifd(_GPS_IFD) if _GPS_IFD in exif else {}
    if gps and keep_gps:
        kept.recorded.update(_location(gps))
        kept.gps_kept = True
    elif _GPS_IFD in exif:
        del exif[_GPS_IFD]
        kept.gps_removed = bool(gps)
    kept.data = exif.tobytes()
    return kept


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    text = str(value).strip("\x00 ") if value is not None else ""
    return text or None


def _recorded(exif: Image.Exif) -> dict[str, str]:
    """Make, model and capture time as XMP properties (tiff:, exif: namespaces)."""
    out: dict[str, str] = {}
    for tag, name in ((0x010F, "tiff:Make"), (0x0110, "tiff:Model")):
        if text := _text(exif.get(tag)):
            out[name] = text
    sub = exif.get_ifd(_EXIF_IFD)
    if when := _iso_time(_text(sub.get(_DATE_ORIGINAL)), _text(sub.get(_OFFSET_ORIGINAL))):
        out["exif:DateTimeOriginal"] = when
    return out


def _iso_time(value: str | None, offset: str | None) -> str | None:
    """EXIF 'YYYY:MM:DD HH:MM:SS' (+ its offset) as ISO 8601; None when malformed."""
    if not value or len(value) < 19 or value[4] != ":" or value[7] != ":":
        return None
    stamp = f"{value[:4]}-{value[5:7]}-{value[8:10]}T{value[11:19]}"
    if not stamp.replace("-", "").replace(":", "").replace("T", "").isdigit():
        return None
    valid_offset = offset and len(offset) == 6 and offset[0] in "+-" and offset[3] == ":"
    return stamp + (offset if valid_offset and offset else "")


def _location(gps: dict[int, object]) -> dict[str, str]:
    """GPS latitude/longitude as XMP 'DDD,MM.mmmmmmK' values."""
    out: dict[str, str] = {}
    for tag, ref_tag, name in ((2, 1, "exif:GPSLatitude"), (4, 3, "exif:GPSLongitude")):
        value, ref = gps.get(tag), _text(gps.get(ref_tag))
        if isinstance(value, tuple) and len(value) == 3 and ref:
            try:
                degrees, minutes, seconds = (float(v) for v in value)
            except (TypeError, ValueError, ZeroDivisionError):
                continue
            out[name] = f"{int(degrees)},{minutes + seconds / 60:.6f}{ref[0]}"
    return out
