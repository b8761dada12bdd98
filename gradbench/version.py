"""The version, in one place: the package, its metadata (pyproject.toml reads it) and every result's
metadata."""

__version__ = "0.2.0"
