"""``python -m export`` is ``digits-export``."""

from export.convert import main

raise SystemExit(main())
