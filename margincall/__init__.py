"""Margin Call Lab harness: deploy, drive and inspect the lending protocol on a local chain."""

__version__ = "0.1.0"
