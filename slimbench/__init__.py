"""Slimbench: make PyTorch models smaller and faster, and prove it with measurements."""

__version__ = "0.1.0"
