"""Safe image input and atomic output.

Every image the toolkit reads passes through :func:`load_image`: it refuses
special files, oversized files and decompression bombs, sniffs the real format
from magic bytes (extensions lie), and decodes fully so truncation is caught here
with a clear message instead of deep inside a library. Every file it writes goes
through :func:`write_atomic`, so a crash never leaves a half-written output.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import math
import os
import re
import stat
import struct
import tempfile
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image, ImageOps, UnidentifiedImageError

from provenance.errors import InputError, OutputError, OutputExistsError, UnsupportedFormatError, UsageError

if TYPE_CHECKING:  # numpy is imported where pixels are read: reading a manifest needs none of it
    import numpy as np
    from numpy.typing import NDArray

MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_PIXELS = 100_000_000
MAX_MANIFEST_BYTES = 32 * 1024 * 1024  # a sidecar .c2pa manifest store; real ones are kilobytes

# (offset, magic, mime). Order matters only where prefixes overlap.
_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (0, b"II*\x00", "image/tiff"),
    (0, b"MM\x00*", "image/tiff"),
    (0, b"GIF87a", "image/gif"),
    (0, b"GIF89a", "image/gif"),
    (0, b"BM", "image/bmp"),
)
_FTYP_BRANDS = {
    b"avif": "image/avif",
    b"avis": "image/avif",
    b"heic": "image/heic",
    b"heix": "image/heic",
    b"mif1": "image/heif",
    b"msf1": "image/heif",
}
FORMAT_FOR_SUFFIX = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP"}
MIME_FOR_FORMAT = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


_HEIF_MIMES = frozenset({"image/heic", "image/heif"})


@cache
def _register_heif() -> None:
    """Teach Pillow HEIF/HEIC (pillow-heif), only when such a file shows up."""
    try:
        import pillow_heif
    except ImportError:
        return
    pillow_heif.register_heif_opener()


def sniff_mime(head: bytes) -> str | None:
    """The image MIME type from the first bytes, or None if not a known image."""
    for offset, magic, mime in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return mime
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        return _FTYP_BRANDS.get(head[8:12])
    return None


# Every format sniff_mime reads, by its usual suffixes (DNG is TIFF; .hif is Fujifilm's HEIF).
IMAGE_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".webp", ".tif", ".tiff", ".dng", ".heic", ".heif", ".hif",
     ".avif", ".gif", ".bmp"}
)  # fmt: skip


def expand(paths: Iterable[Path], *, recursive: bool = True) -> Iterator[Path]:
    """Files as given; folders walked (sorted, hidden entries skipped) for image suffixes.
    Content is checked when read: a ``.jpg`` that is not an image becomes an error then,
    and so does a looping or dangling symlink with an image suffix (it is yielded, not
    dropped, so that a scan reports it)."""
    for path in paths:
        if path.is_dir():
            children = path.rglob("*") if recursive else path.iterdir()
            for child in sorted(children):
                hidden = any(part.startswith(".") for part in child.relative_to(path).parts)
                readable = child.is_file() or (child.is_symlink() and not child.exists())
                if readable and not hidden and child.suffix.lower() in IMAGE_SUFFIXES:
                    yield child
        else:
            yield path


def unread_folders(paths: Iterable[Path]) -> int:
    """Sub-folders holding image files that a walk without recursion leaves out: said, so that a
    scan of a folder of folders does not end as if it had read them all."""
    return sum(
        1
        for path in paths
        if path.is_dir()
        for child in path.iterdir()
        if child.is_dir() and not child.name.startswith(".") and _holds_image(child)
    )


def _holds_image(folder: Path) -> bool:
    """Whether any file under ``folder`` (hidden entries skipped) has an image suffix: stops at
    the first, where :func:`expand` sorts the whole walk (an archive's folder may hold millions)."""
    return any(
        found.suffix.lower() in IMAGE_SUFFIXES
        and not any(part.startswith(".") for part in found.relative_to(folder).parts)
        and found.is_file()
        for found in folder.rglob("*")
    )


def image_files(paths: Iterable[Path], *, recursive: bool = True) -> list[Path]:
    """:func:`expand` as a list; finding no image at all is an :class:`InputError`.

    A batch with nothing in it must not end like one where everything checked out
    (exit 0): it says there was nothing to check, exit 4.
    """
    paths = list(paths)
    found = list(expand(paths, recursive=recursive))
    if found:
        return found
    formats = ", ".join(sorted(IMAGE_SUFFIXES))
    where = ", ".join(str(p) for p in paths)
    nested = not recursive and any(True for _ in expand([p for p in paths if p.is_dir()], recursive=True))
    raise InputError(
        f"no image files found under {where} (formats read: {formats})",
        hint="Some are in sub-folders: add -r to read them." if nested else None,
    )


@dataclass
class LoadedImage:
    """An input image: its bytes, real format and (lazily) decoded pixels."""

    path: Path
    data: bytes
    mime: str
    _pixels: Image.Image | None = field(default=None, repr=False)
    _decode_error: InputError | None = field(default=None, repr=False)

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()  # asked for more than once a verify: hashed once

    @property
    def decodable(self) -> bool:
        try:
            self.pixels()
        except InputError:
            return False
        return True

    def pixels(self) -> Image.Image:
        """RGB pixels in display orientation; raises InputError if undecodable."""
        if self._pixels is None and self._decode_error is None:
            try:
                if self.mime in _HEIF_MIMES:
                    _register_heif()
                self._pixels = decode_pixels(self.data, self.path)
            except InputError as exc:
                self._decode_error = exc
        if self._decode_error is not None:
            raise self._decode_error
        assert self._pixels is not None
        return self._pixels


def read_input(path: Path, *, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """Read a regular file's bytes, refusing what is not a plain, bounded file."""
    try:
        st = path.stat()
    except FileNotFoundError:
        if path.is_symlink():  # a dangling link: the file it names is gone, not the link
            raise InputError(f"{path}: no such file (a link to {os.readlink(path)}, which is missing)") from None
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    if stat.S_ISDIR(st.st_mode):
        hint = "provenance scan DIR checks every picture in a folder"
        raise InputError(f"{path}: is a folder, not an image file", hint=hint)
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{path}: not a regular file")
    if st.st_size == 0:
        raise InputError(f"{path}: empty file")
    if st.st_size > max_bytes:
        raise InputError(f"{path}: file is {st.st_size} bytes, over the {max_bytes}-byte limit")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None


def load_image(path: Path, *, max_bytes: int = MAX_FILE_BYTES) -> LoadedImage:
    """Read and identify an image file; pixels are decoded on first use."""
    data = read_input(path, max_bytes=max_bytes)
    mime = sniff_mime(data[:32])
    if mime is None:
        raise UnsupportedFormatError(f"{path}: not a supported image (unrecognised file format)")
    return LoadedImage(path=path, data=data, mime=mime)


def decode_pixels(data: bytes, path: Path, *, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Decode fully to RGB, turning every decoder failure into one clear InputError.

    One copy of the picture at a time: turned in place, converted only when not RGB
    already (a 7000 x 7000 picture is 196 MB in Pillow; each extra copy was as much)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # own limit below
            # a damaged EXIF block (its orientation unreadable: the picture stays as stored) is not the
            # picture's problem; Pillow warns while reading it (a fuzzed TIFF, tests/fuzz_regressions)
            warnings.filterwarnings("ignore", "Truncated File Read", UserWarning)
            img: Image.Image = Image.open(io.BytesIO(data))  # in memory: nothing to close but the picture itself
            width, height = img.size
            if width * height > max_pixels:
                raise InputError(f"{path}: {width}x{height} pixels is over the {max_pixels}-pixel limit")
            img.load()
            ImageOps.exif_transpose(img, in_place=True)
            if img.mode == "P" and "transparency" in img.info:
                img = img.convert("RGBA")  # what Pillow asks for; avoids its warning
            return as_rgb(img)
    except InputError:
        raise
    except Image.DecompressionBombError:
        raise InputError(
            f"{path}: image dimensions are over the {max_pixels}-pixel limit (possible decompression bomb)"
        ) from None
    except UnidentifiedImageError:
        raise InputError(f"{path}: image data cannot be decoded") from None
    except (OSError, SyntaxError, ValueError, EOFError, RuntimeError, struct.error, IndexError, KeyError) as exc:
        # Format plugins fail in their own ways: AVIF/HEIF decoders raise RuntimeError
        # on a malformed container (found by the fuzzer), others struct or index errors.
        if cut := truncation(data, sniff_mime(data[:32]) or ""):
            # its own structure says it ends early: damaged in transit, and said so (not "corrupt")
            why = f"the file is incomplete ({cut}: an interrupted download or copy?)"
            raise InputError(f"{path}: truncated image: {why}") from None
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "Decompressed data too large" in reason:  # Pillow's own guard on a PNG's compressed text
            raise InputError(
                f"{path}: a compressed text chunk in it is too large once expanded, far past what any"
                " picture's metadata needs (a decompression bomb?): not read"
            ) from None
        raise InputError(f"{path}: truncated or corrupt image ({reason})") from None


_WIDE_GREY = frozenset({"I;16", "I;16L", "I;16B", "I;16N", "I", "F"})


def as_rgb(img: Image.Image) -> Image.Image:
    """``img`` as 8-bit RGB. A grey picture of 16 bits (or 32, or float) is scaled into 0-255:
    Pillow's own conversion clips it, and a walkthrough's 16-bit grey PNG of a photograph was
    stamped and registered 99 % white. 32-bit integers over 255 are taken as 16-bit values;
    floats as 0-1 when none is over 1, else as grey levels."""
    if img.mode == "RGB":
        return img
    if img.mode not in _WIDE_GREY:
        return img.convert("RGB")
    import numpy as np

    values = np.asarray(img, dtype=np.float32)  # 16-bit levels are exact in float32
    if img.mode == "F":
        top = float(np.nanmax(values)) if values.size else 0.0
        grey = np.nan_to_num(values * (255.0 if top <= 1.0 else 1.0))
    elif img.mode.startswith("I;16") or float(values.max(initial=0)) > 255:
        grey = values / 257.0
    else:
        grey = values
    small = np.clip(np.rint(grey), 0, 255).astype(np.uint8)
    return Image.fromarray(small, "L").convert("RGB")


STRIP_ROWS = 256  # a multiple of 8 (wm-0's and dwtDct's blocks) and of 128 (the tiles): strips never split one


def rgb_strips(img: Image.Image, *, rows: int = STRIP_ROWS, stop: int | None = None) -> Iterator[NDArray[np.uint8]]:
    """The picture's RGB rows as uint8 arrays, ``rows`` at a time (up to row ``stop``).

    Why: ``np.asarray(img)`` of a whole picture costs two copies of it at once (Pillow's
    bytes, then the array) and float conversions of it four times more; a check that only
    needs per-pixel values or block votes reads strips and stays bounded whatever the size."""
    import numpy as np

    width, height = img.size
    end = height if stop is None else min(stop, height)
    for top in range(0, end, rows):
        strip = img.crop((0, top, width, min(end, top + rows)))
        yield np.asarray(as_rgb(strip), dtype=np.uint8)


_JPEG_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")  # a marker, not stuffing, a restart or fill
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})


def truncation(data: bytes, mime: str) -> str | None:
    """How the file ends early, if its own structure says so (JPEG, PNG, WebP); else None.

    Only a structure that runs past the end of the data counts: a file whose
    parts all fit is never called truncated, whatever else is wrong with it.
    """
    if mime == "image/jpeg":
        return _jpeg_truncation(data)
    if mime == "image/png":
        return _png_truncation(data)
    if mime == "image/webp" and len(data) >= 12:
        declared = int.from_bytes(data[4:8], "little") + 8
        if declared > len(data):
            return f"the WebP file is {len(data)} bytes but its header declares {declared}"
    return None


def _jpeg_truncation(data: bytes) -> str | None:
    pos, end = 2, len(data)
    while pos < end:
        if data[pos] != 0xFF:
            return None  # not where a marker should be: corrupt, not provably cut short
        while pos + 1 < end and data[pos + 1] == 0xFF:
            pos += 1  # fill bytes
        if pos + 1 >= end:
            break
        marker = data[pos + 1]
        if marker == 0xD9:
            return None  # end of image
        if marker in _JPEG_STANDALONE:
            pos += 2
            continue
        if pos + 4 > end:
            return "the JPEG ends inside a segment header"
        stop = pos + 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
        if stop > end:
            what = " (APP11: its Content Credentials)" if marker == 0xEB else ""
            return f"the JPEG ends inside a segment (marker FF{marker:02X}{what}) that declares {stop - end} more bytes"
        pos = stop
        if marker == 0xDA:  # start of scan: compressed data runs to the next marker
            found = _JPEG_MARKER.search(data, pos)
            if found is None:
                return "the JPEG ends inside its compressed picture data, without an end-of-image marker"
            pos = found.start()
    return "the JPEG ends without an end-of-image marker"


_PNG_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"


def _png_walk(data: bytes) -> tuple[int, bytes | None]:
    """Where a PNG's whole chunks end, and the kind of the chunk the data ends inside (b"" when it
    ends between chunks before an IEND; None when the IEND is reached)."""
    pos, end = 8, len(data)
    while pos + 8 <= end:
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        if pos + 12 + length > end:
            return pos, kind
        if kind == b"IEND":
            return pos, None
        pos += 12 + length
    return pos, b""


def png_closed(data: bytes) -> bytes | None:
    """A PNG cut short, closed after its last whole chunk (an IEND added): what c2pa can parse to
    read a manifest stored before the cut (ours sits before the picture data). None for a PNG
    that is not cut short. The picture data is incomplete all the same: nothing validates it."""
    pos, cut = _png_walk(data)
    return data[:pos] + _PNG_IEND if cut is not None and pos > 8 else None


def _png_truncation(data: bytes) -> str | None:
    _, cut = _png_walk(data)
    if cut is None:
        return None
    return f"the PNG ends inside {_png_chunk_name(cut)}" if cut else "the PNG ends without its IEND chunk"


def _png_chunk_name(kind: bytes) -> str:
    """A chunk as a message may name it: its type when that is four ASCII letters, as PNG
    types are; other bytes (a damaged or hostile file) only as hex, never raw in the text."""
    if len(kind) == 4 and kind.isascii() and kind.isalpha():
        return f"its '{kind.decode('ascii')}' chunk"
    return f"an unnamed chunk (type bytes {kind.hex().upper() or 'missing'})"


def output_format(path: Path) -> str:
    """Pillow format name for an output path, from its extension."""
    fmt = FORMAT_FOR_SUFFIX.get(path.suffix.lower())
    if fmt is None:
        raise UsageError(
            f"{path}: unsupported output extension '{path.suffix}'",
            hint="Use .jpg, .png or .webp.",
        )
    return fmt


def rgb_icc_profile(data: bytes) -> bytes | None:
    """The ICC colour profile an image file carries, when it describes RGB: what its pixels'
    values mean (a wide-gamut photo's Display P3 or Adobe RGB). Read from the header, no decoding.
    A profile of another colour space (CMYK, grey) is not kept: the pixels are converted to RGB
    without it, so it would misdescribe them."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as img:
                profile = img.info.get("icc_profile")
    except Exception:  # noqa: BLE001 - a profile is kept when it reads; the decode reports what does not
        return None
    if not isinstance(profile, bytes) or len(profile) < 128 or profile[16:20] != b"RGB ":
        return None
    return profile


def encode_image(
    img: Image.Image, fmt: str, *, quality: int = 95, exif: bytes | None = None, icc_profile: bytes | None = None
) -> bytes:
    """Encode pixels with no metadata but ``exif`` and ``icc_profile``, if given (the manifest is
    added afterwards): the profile says what the pixel values mean, so colours stay as they were."""
    buf = io.BytesIO()
    extra: dict[str, bytes] = {"exif": exif} if exif else {}
    if icc_profile:
        extra["icc_profile"] = icc_profile
    if fmt == "JPEG":
        img.save(buf, "JPEG", quality=quality, subsampling=0, **extra)
    elif fmt == "WEBP":
        img.save(buf, "WEBP", quality=quality, method=4, **extra)
    else:
        img.save(buf, fmt, **extra)
    return buf.getvalue()


CLAIM_THUMBNAIL_SIDE = 1024  # c2pa-rs's own default long edge, as an upper bound
_REDUCIBLE = {"L", "LA", "RGB", "RGBA", "CMYK", "I", "F"}


def claim_thumbnail(img: Image.Image) -> bytes:
    """A JPEG thumbnail of ``img`` for a C2PA claim: its long side at most
    :data:`CLAIM_THUMBNAIL_SIDE` px and over half that (a larger picture is box-reduced by
    the smallest whole factor that fits).

    Why ours: c2pa-rs makes one by decoding the signed file again and resizing it at full
    resolution, 40 ms for a 1 MP photo and 100 ms at 8 MP, ten times the signature itself;
    the stamp already holds the decoded pixels. Why a whole factor: a box average of whole
    pixel blocks is a fair thumbnail at a fraction of a resampling's cost (1155 x 866: 1 ms
    against 14 for bicubic to 1024 px)."""
    factor = -(-max(img.size) // CLAIM_THUMBNAIL_SIDE)
    if img.mode not in _REDUCIBLE:  # bilevel, palette, 16-bit grey: Pillow reduces none of them
        img = img.convert("RGBA")
    small = on_white(img.reduce(factor) if factor > 1 else img)
    out = io.BytesIO()
    small.save(out, "JPEG", quality=80)
    return out.getvalue()


def on_white(img: Image.Image) -> Image.Image:
    """``img`` as RGB with any transparency shown on white, as a viewer (and the claim thumbnail)
    shows it."""
    if img.mode == "RGB":
        return img
    rgba = img.convert("RGBA")
    return Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba).convert("RGB")


def check_output(path: Path, *, force: bool, inputs: tuple[Path, ...] = ()) -> None:
    """Refuse to clobber an existing file or any input, before doing any work."""
    resolved = path.resolve()
    for src in inputs:
        if src.exists() and src.resolve() == resolved:
            raise OutputExistsError(f"{path}: output would overwrite its own input")
    if path.exists() and not force:
        raise OutputExistsError(f"{path}: already exists", hint="Pass --force to replace it.")
    if not path.parent.exists():
        raise UsageError(f"{path.parent}: output folder does not exist")
    if not path.parent.is_dir():
        raise UsageError(f"{path.parent}: not a folder, so {path.name} cannot be written in it")
    if not os.access(path.parent, os.W_OK):  # before a generation of minutes, not after it
        raise UsageError(f"{path.parent}: output folder is not writable")


def write_atomic(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    """Write via a temporary file in the same folder and rename, so readers never
    see a partial file and a crash leaves the old file (if any) intact."""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise cannot_write(path, exc) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise cannot_write(path, exc) from exc
        raise


def cannot_write(path: Path, exc: OSError) -> OutputError:
    """An output that cannot be written, in one line: where, and the system's reason."""
    reason = exc.strerror or str(exc)
    return OutputError(f"{path}: cannot write the output ({reason.lower()})", hint="Choose a writable folder")


def turned_crop_share(width: int, height: int, degrees: float) -> float:
    """The share of each side that a picture turned by ``degrees`` keeps when cropped to the
    largest centred rectangle of its own shape that holds no filled corner (what editors do
    when straightening). One home for the formula: the watermark's checks, verify's placement
    of a turned copy and the benchmarks' turned crops."""
    c, s = abs(math.cos(math.radians(degrees))), abs(math.sin(math.radians(degrees)))
    return min(width / (width * c + height * s), height / (width * s + height * c))


def page_colour(rgb: NDArray[Any]) -> tuple[NDArray[Any], float]:
    """The colour of most of an image's outer edge (the median, int16) and the share of the edge
    within 8 levels of it in every channel: a page or a canvas when that share is high."""
    import numpy as np

    edge = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]]).astype(np.int16)
    background = np.median(edge, axis=0).astype(np.int16)
    return background, float(np.mean(np.abs(edge - background).max(axis=1) <= 8))


def off_page(rgb: NDArray[Any], background: NDArray[Any], tone: float = 12.0) -> NDArray[Any]:
    """Pixels off ``background`` by more than ``tone`` in a channel."""
    import numpy as np

    off = np.zeros(rgb.shape[:2], dtype=bool)
    for channel in range(3):  # channel by channel: numpy's reduction over a last axis of 3 is slow
        off |= np.abs(rgb[:, :, channel].astype(np.int16) - background[channel]) > tone
    return off


def picture_box(rgb: NDArray[Any], *, page: float = 0.6, tone: float = 12.0) -> tuple[int, int, int, int] | None:
    """Where a picture lies on a page around it (left, top, right, bottom), or None when the image
    is no such page: a screenshot of a social post or an article, the picture among lines of text,
    an avatar and counts on a plain background. Plain margins (:func:`plain_margins`) cannot find
    it: text runs along them. The page is the colour of most of the image's outer edge (``page``
    of it within 8 levels in every channel); a row of the picture holds a run of pixels off that
    colour (by more than ``tone`` in a channel) across a third of the page, where a line of text
    breaks into words, or half the page off it in all; the picture is the tallest block of such
    rows (gaps of a few rows bridged: a bright band inside the picture), and across it the
    columns mostly off the page's colour."""

    h, w, _ = rgb.shape
    background, share = page_colour(rgb)
    if share < page:
        return None
    off = off_page(rgb, background, tone)
    off[:, 1:-1] |= off[:, :-2] & off[:, 2:]  # a pixel of the page's colour inside the picture
    rows = (_longest_runs(off) >= w / 3) | (off.mean(axis=1) >= 0.5)
    rows = _bridged(rows, max(2, h // 50))
    top, bottom = _longest_block(rows)
    if bottom - top < h / 5:
        return None
    columns = off[top:bottom].mean(axis=0) >= 0.5
    left, right = _longest_block(_bridged(columns, max(2, w // 50)))
    if right - left < w / 3:
        return None
    top, bottom = _grown(off[:, left:right].mean(axis=1), top, bottom)
    left, right = _grown(off[top:bottom].mean(axis=0), left, right)
    return _sharpened((left, top, right, bottom), rgb, background)


def _grown(share: NDArray[Any], start: int, end: int, *, least: float = 0.1) -> tuple[int, int]:
    """A block of lines grown outward while each next line is at least ``least`` off the page's
    colour (``share``: each line's share across the picture): a pale sky or a white wall at the
    picture's edge is off the page by a little, too little for the block's own test, and a
    whole-picture read that misses those lines fails. A line of the page, or a JPEG's faint ringing
    beside the picture (under a tenth off it), stops it."""
    while start > 0 and share[start - 1] >= least:
        start -= 1
    while end < len(share) and share[end] >= least:
        end += 1
    return start, end


def _sharpened(
    box: tuple[int, int, int, int], rgb: NDArray[Any], background: NDArray[Any]
) -> tuple[int, int, int, int]:
    """``box`` with each side moved onto the picture's own edge: a JPEG's ringing just outside it
    is off the page's colour too, and a whole-picture read a pixel wide of the picture fails. A
    side's line belongs to the picture when it is at least half as far from the page's colour, on
    average, as the lines just inside it."""
    import numpy as np

    left, top, right, bottom = box
    far = np.abs(rgb[top:bottom, left:right].astype(np.int16) - background).max(axis=2).astype(np.float32)
    columns, rows = far.mean(axis=0), far.mean(axis=1)

    def inward(profile: NDArray[Any]) -> int:
        depth = min(8, len(profile) // 4)
        inner = float(np.median(profile[2 : 2 + depth])) if depth else 0.0
        moved = 0
        while moved < 2 and profile[moved] < 0.5 * inner:
            moved += 1
        return moved

    return (
        left + inward(columns),
        top + inward(rows),
        right - inward(columns[::-1]),
        bottom - inward(rows[::-1]),
    )


def _bridged(flags: NDArray[Any], gap: int) -> NDArray[Any]:
    """Flags with runs of False no longer than ``gap`` between two Trues set True."""
    import numpy as np

    out = flags.astype(bool).copy()
    true = np.flatnonzero(out)
    for a, b in itertools.pairwise(true.tolist()):
        if 1 < b - a <= gap + 1:
            out[a:b] = True
    return out


def _longest_runs(mask: NDArray[Any]) -> NDArray[Any]:
    """Each row's longest run of True."""
    import numpy as np

    index = np.arange(mask.shape[1])
    last_false = np.maximum.accumulate(np.where(mask, -1, index), axis=1)
    return np.asarray((index - last_false).max(axis=1))


def _longest_block(flags: NDArray[Any]) -> tuple[int, int]:
    """The start and end (exclusive) of the longest run of True in a line of flags ((0, 0): none)."""
    import numpy as np

    padded = np.concatenate([[False], flags.astype(bool), [False]])
    changes = np.flatnonzero(padded[1:] != padded[:-1])
    if changes.size == 0:
        return 0, 0
    starts, ends = changes[0::2], changes[1::2]
    best = int(np.argmax(ends - starts))
    return int(starts[best]), int(ends[best])


def plain_margins(grey: NDArray[Any], *, most: float = 0.25, flat: float = 2.5) -> tuple[int, int, int, int]:
    """Rows and columns of a uniform border of a grey picture (top, bottom, left, right), up to
    ``most`` of each side: lines whose grey levels vary by at most ``flat`` (standard deviation)
    and 24 levels in all, each within 8 levels of the first. A frame, a canvas or a plain bar
    added around a picture, which the thumbnail comparison and the watermark's whole-picture
    layer read past."""
    import numpy as np

    h, w = grey.shape

    def run(lines: list[NDArray[Any]]) -> int:
        count, first = 0, None
        for line in lines:
            mean = float(line.mean())
            if float(line.std()) > flat or float(np.ptp(line)) > 24:
                break
            first = mean if first is None else first
            if abs(mean - first) > 8:
                break
            count += 1
        return count

    top = run([grey[i] for i in range(int(h * most))])
    bottom = run([grey[h - 1 - i] for i in range(int(h * most))])
    left = run([grey[top : h - bottom, i] for i in range(int(w * most))])
    right = run([grey[top : h - bottom, w - 1 - i] for i in range(int(w * most))])
    return top, bottom, left, right
