"""newsmon: news monitoring for Kazakhstan."""

__version__ = "0.1.0"
