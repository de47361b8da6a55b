"""The `seatkeeper` console script: Django's manage.py with Seatkeeper's settings.

`seatkeeper serve`, `seatkeeper demo`, `seatkeeper usage`, `seatkeeper user create` and every
Django management command (`seatkeeper migrate`, `seatkeeper shell`, ...) go through here.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seatkeeper.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["seatkeeper", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
