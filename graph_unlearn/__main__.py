import sys

from graph_unlearn.cli import main

sys.exit(main())
