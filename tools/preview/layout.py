"""Where the offline preview finds the project's parts: the program, the stack files and the policy pack."""
from __future__ import annotations

import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STACKS_DIR = os.path.join(ROOT, "stacks")
PACK_DIR = os.path.join(ROOT, "policies")
PROGRAM = os.path.join(ROOT, "__main__.py")
