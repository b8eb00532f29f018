"""The ``provenance`` command line: parse, call the library, print. Nothing else.

The folder is ``cli/``; it installs as the package ``provenance_cli`` (pyproject's
``package-dir``), so it never claims the common name ``cli``. Imports inside it are
relative for that reason.
"""
