"""Every domain error of the kiosk, in one place.

Each carries a sentence a person can act on; the UI shows ``str(error)``, never a traceback.
"""

from __future__ import annotations


class KioskError(Exception):
    """Base class of every error the kiosk raises on purpose."""


class ModelMissingError(KioskError):
    """A dlib model file is not where it should be."""


class ImageError(KioskError):
    """An image could not be read: missing, empty, corrupt, not an image, or too large."""


class GalleryError(KioskError):
    """The gallery file is unreadable, of an unknown version, or cannot be written."""


class GalleryLockedError(GalleryError):
    """Another process holds the gallery lock for too long."""


class GalleryKeyError(GalleryError):
    """The gallery is encrypted and the key is missing or wrong."""


class PersonNotFoundError(KioskError):
    """No person with that id is enrolled."""


class EnrolmentError(KioskError):
    """No photo or sample could be used to enrol a person."""


class RosterError(KioskError):
    """A bulk-enrolment folder or its people.csv cannot be used."""


class AttendanceLogError(KioskError):
    """The attendance CSV cannot be opened or written."""


class ConfigError(KioskError):
    """A configuration value is invalid."""


class MatchPolicyError(ConfigError, ValueError):
    """A matching threshold or margin is out of range (the one error for both, wherever they are set)."""


class AuditError(KioskError):
    """An audit entry is not allowed (unknown event, biometric data) or cannot be written."""


class SyncError(KioskError):
    """The server could not take a request now.

    ``retry_after``: its hint in seconds, if it gave one; ``status``: the HTTP status (None when there was
    no answer); ``body``: the start of its answer.
    """

    def __init__(
        self, message: str, retry_after: float | None = None, *, status: int | None = None, body: str = ""
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.status = status
        self.body = body


class CameraError(KioskError):
    """The camera source cannot be opened or has stopped delivering frames."""
