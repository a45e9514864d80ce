"""python -m demos.explore: the explorer's server (demos/explore/__init__.py)."""

from demos.explore import main

raise SystemExit(main())
