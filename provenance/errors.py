"""One error root for the whole toolkit.

Every failure a user can cause or meet is a ``ProvenanceError`` subclass that
knows its exit code and explains itself in one line, so the CLI has exactly one
place that catches, prints and exits.
"""

from __future__ import annotations

from provenance.verdicts import ExitCode  # lives with the verdict words


class ProvenanceError(Exception):
    """Root of every error this toolkit raises on purpose."""

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def diagnostics(self) -> str:
        """The one line a user sees: what went wrong and, if known, what to do."""
        text = self.message.rstrip(".")
        return f"{text}. {self.hint}" if self.hint else f"{text}."


class UsageError(ProvenanceError):
    """The request itself is wrong (conflicting options, bad values)."""

    exit_code = ExitCode.USAGE


class InputError(ProvenanceError):
    """An input file is missing, unreadable, truncated, too large or unsupported."""

    exit_code = ExitCode.UNREADABLE


class UnsupportedFormatError(InputError):
    """The input is not an image format this toolkit reads."""


class KeyMaterialError(ProvenanceError):
    """Signing keys or certificates are missing, unreadable or unusable."""

    exit_code = ExitCode.USAGE


class CredentialError(ProvenanceError):
    """A C2PA manifest could not be built, signed or read."""

    exit_code = ExitCode.BROKEN


class WatermarkError(ProvenanceError):
    """A watermark could not be embedded (image too small, did not survive encoding)."""

    exit_code = ExitCode.UNREADABLE


class RegistryError(ProvenanceError):
    """The registry database is unusable (locked, corrupt, wrong schema)."""

    exit_code = ExitCode.USAGE


class ModelError(ProvenanceError):
    """A generation model is unavailable (no weights, no network, bad folder)."""

    exit_code = ExitCode.USAGE


class MissingExtraError(ProvenanceError):
    """An optional feature was asked for without its extra installed."""

    exit_code = ExitCode.USAGE

    def __init__(self, feature: str, extra: str) -> None:
        super().__init__(
            f"{feature} needs the optional '{extra}' dependencies",
            hint=f"Install them with: pip install 'provenance[{extra}]'",
        )


class OutputError(ProvenanceError):
    """An output cannot be written (a read-only folder, no permission, a full disk)."""

    exit_code = ExitCode.USAGE


class OutputExistsError(ProvenanceError):
    """Refusing to overwrite an existing output or identity."""

    exit_code = ExitCode.USAGE
