"""``python -m kiosk`` and the packaged ``kiosk`` executable: see kiosk.cli."""

import multiprocessing
import sys

if __name__ == "__main__":
    # First thing in a frozen build: a copy of the executable started by multiprocessing's "spawn" (the
    # recognition worker, the resource tracker) runs its task here and exits instead of starting the kiosk.
    # A no-op when running from source.
    multiprocessing.freeze_support()

from kiosk.cli import main  # noqa: E402  (after freeze_support on purpose)

if __name__ == "__main__":
    sys.exit(main())
