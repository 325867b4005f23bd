"""``python -m edge_infer`` is ``digits-cam``."""

from edge_infer.cli import main

raise SystemExit(main())
