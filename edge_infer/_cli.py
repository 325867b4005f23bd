"""Turn the project's expected failures into one clear line and an exit code, for every command."""

from __future__ import annotations

import sys
from typing import Callable

from edge_infer.errors import DigitsError


def run(job: Callable[[], object]) -> int:
    """Run ``job``: 0 on success; an expected error prints ``error: ...`` on stderr and gives 2; Ctrl-C gives 130."""
    try:
        job()
    except (DigitsError, FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0
