"""The ``provenance`` command line: parse, call the library, print. Nothing else."""
