"""The store: the only package that speaks SQL."""

from scoring.store.db import Store, now_us, open_store

__all__ = ["Store", "now_us", "open_store"]
