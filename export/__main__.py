"""``python -m edge_export`` is ``digits-export``."""

from edge_export.convert import main

raise SystemExit(main())
