"""``python -m attribution``: the same as the ``attribution`` command."""

from attribution.cli import main

if __name__ == "__main__":
    main(prog_name="attribution")
