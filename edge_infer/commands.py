"""What every edge-digits command shares: one clear line and an exit code for expected failures, ``--version``,
and the entry points of commands that need an optional extra."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
from typing import Callable

from edge_infer.errors import DigitsError


def run(job: Callable[[], object]) -> int:
    """Run ``job``: 0 on success; an expected error prints ``error: ...`` on stderr and gives 2; Ctrl-C gives 130;
    a reader that stops reading the output (``| head``) ends it quietly with 141, as SIGPIPE would."""
    try:
        job()
    except (DigitsError, FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # the interpreter's last flush has nowhere
        return 141  # to fail
    return 0


def version() -> str:
    """The installed distribution's version, as ``edge_infer.__version__`` holds it."""
    import edge_infer

    return edge_infer.__version__


def add_version(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Give ``parser`` a ``--version`` flag that prints ``PROG VERSION`` and exits 0."""
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    return parser


def needing(prog: str, module: str, modules: tuple[str, ...], extra: str) -> int:
    """Run ``module.main()`` when every one of ``modules`` is installed; otherwise print one line saying to
    install ``edge-digits[extra]`` and return 2. ``--version`` works either way."""
    if "--version" in sys.argv[1:]:
        print(f"{prog} {version()}")
        return 0
    missing = [name for name in modules if importlib.util.find_spec(name) is None]
    if missing:
        print(f"error: {prog} needs {', '.join(missing)}, which this install lacks; "
              f"install them with: pip install 'edge-digits[{extra}]'", file=sys.stderr)
        return 2
    return importlib.import_module(module).main()
