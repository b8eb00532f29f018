"""Invisible watermarks: ours (``provenance-wm-0``) and known third-party AI marks."""

from provenance.watermark.scheme import (
    SCHEME,
    WatermarkReading,
    detect,
    embed,
    format_record_id,
    parse_record_id,
)

__all__ = ["SCHEME", "WatermarkReading", "detect", "embed", "format_record_id", "parse_record_id"]
