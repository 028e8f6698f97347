"""Face-recognition attendance kiosk."""

__version__ = "0.1.0"
