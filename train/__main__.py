"""``python -m train`` is ``digits-train``."""

from train.fit import main

raise SystemExit(main())
