from pinata_tui.cli import main

raise SystemExit(main())
