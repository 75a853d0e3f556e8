"""``python -m tools.preview``: the offline preview's command line (``tools.preview.cli``)."""
import sys

from tools.preview.cli import main

# Guarded: the preview's worker processes (spawned, --jobs) import this module again and must not run it.
if __name__ == "__main__":
    sys.exit(main())
