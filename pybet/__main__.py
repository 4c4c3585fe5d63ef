from pybet.cli import main

raise SystemExit(main())
