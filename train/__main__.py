"""``python -m edge_train`` is ``digits-train``."""

from edge_train.fit import main

raise SystemExit(main())
