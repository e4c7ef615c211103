"""``python -m workers.run_worker``: a Dramatiq worker process for the project's actors."""
from __future__ import annotations

import sys

from dramatiq.cli import main

if __name__ == "__main__":
    sys.argv = ["dramatiq", "workers.actors", "--processes", "1", "--threads", "2", *sys.argv[1:]]
    sys.exit(main())
