"""Tværs gateway: consent-bound data sharing between municipal departments."""

__version__ = "0.1.0"
