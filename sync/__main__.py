"""``python -m sync`` is the same as the ``zdsync`` console script."""

from sync.cli import main

raise SystemExit(main())
