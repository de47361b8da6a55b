"""Seatkeeper: license seat manager for K-12 learning platforms."""

__version__ = "0.1.0"
