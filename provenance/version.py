"""The toolkit's version, in a module that imports nothing (so any part may read it
without importing the package root, and pyproject reads it for the build)."""

__version__ = "0.1.0"
