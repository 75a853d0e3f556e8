"""The test suite. A package, so that `tests/detective` is `tests.detective` and never hides the `detective` package
when a directory is run on its own (pytest --import-mode=importlib)."""
