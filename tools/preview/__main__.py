"""``python -m tools.preview``: the offline preview's command line (``tools.preview.cli``)."""
import sys

from tools.preview.cli import main

sys.exit(main())
