"""AUTOMATIC1111 "stealth" PNG info: parameters hidden in the alpha channel's low bits.

The stealth-pnginfo extension writes, column by column, the least significant
bit of each alpha value: a 15-byte signature (``stealth_pnginfo`` plain or
``stealth_pngcomp`` gzip), a 32-bit payload length in bits, then the payload.
Reading needs the pixels, so it runs only when the metadata said nothing.
"""

from __future__ import annotations

import gzip
import io
import zlib

import numpy as np
from PIL import Image

_SIGNATURES = {b"stealth_pnginfo": False, b"stealth_pngcomp": True}
_SIG_BITS = 15 * 8
MAX_PAYLOAD_BITS = 8 * 1024 * 1024


def read_stealth(data: bytes) -> str | None:
    """The hidden parameters text, or None when there is none."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            if "A" not in img.getbands():
                return None
            alpha = np.asarray(img.getchannel("A"), dtype=np.uint8)
    except (OSError, ValueError):
        return None
    bits = (alpha.T.reshape(-1) & 1).astype(np.uint8)
    if bits.size < _SIG_BITS + 32:
        return None
    signature = np.packbits(bits[:_SIG_BITS]).tobytes()
    if signature not in _SIGNATURES:
        return None
    length = int.from_bytes(np.packbits(bits[_SIG_BITS : _SIG_BITS + 32]).tobytes(), "big")
    if length <= 0 or length > MAX_PAYLOAD_BITS or _SIG_BITS + 32 + length > bits.size:
        return None
    payload = np.packbits(bits[_SIG_BITS + 32 : _SIG_BITS + 32 + length]).tobytes()
    if _SIGNATURES[signature]:
        try:
            payload = gzip.decompress(payload)
        except (OSError, EOFError, zlib.error):
            return None
    return payload.decode("utf-8", errors="replace")
