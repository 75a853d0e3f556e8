"""Fixtures shared by the platform stack's tests."""
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def layer_dir(tmp_path_factory) -> Path:
    """What `python -m components.platform.layers` builds, in miniature."""
    root = tmp_path_factory.mktemp("layers")
    for layer, package in (("powertools", "aws_lambda_powertools"), ("jwt-authorizer-deps", "jwt")):
        (root / layer / "python" / package).mkdir(parents=True)
        (root / layer / "python" / package / "__init__.py").write_text("VERSION = 'test'\n")
    return root
