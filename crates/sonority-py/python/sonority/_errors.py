"""The exceptions of sonority. Every one is a :class:`SonorityError`; those about a file or a
database carry its path in ``path`` (``None`` when there is none) and name it in the message.
"""

from __future__ import annotations

from typing import Optional


class SonorityError(Exception):
    """Base class of every sonority error."""

    def __init__(self, message: str, path: Optional[str] = None) -> None:
        super().__init__(message)
        self.path = path


class ReadError(SonorityError, OSError):
    """A file or folder could not be read (missing, permission denied, a directory)."""


class DecodeError(SonorityError):
    """An audio file could not be decoded: a damaged stream, no audio in it, a non-finite
    sample, an invalid sample rate or channel count, or ffmpeg failing on it."""


class UnsupportedFormatError(DecodeError):
    """The content is not audio sonority decodes (not audio at all, an unknown container or
    codec, or a format that needs ffmpeg when no ffmpeg is installed)."""


class DatabaseError(SonorityError):
    """A library database could not be used: missing, damaged, not SQLite, another program's
    database, read-only, or holding a value that cannot be read."""


class SchemaVersionError(DatabaseError):
    """The database was written by a newer sonority, whose schema this one does not know."""


class ModelError(SonorityError, ValueError):
    """A model could not be built, loaded or used: unknown dims, centroids of the wrong
    shape or not finite, a library without a clustering, features that are not finite."""


class TrackNotFoundError(SonorityError, KeyError):
    """A track asked for by id or path is not in the library."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


__all__ = [
    "SonorityError",
    "ReadError",
    "DecodeError",
    "UnsupportedFormatError",
    "DatabaseError",
    "SchemaVersionError",
    "ModelError",
    "TrackNotFoundError",
]
