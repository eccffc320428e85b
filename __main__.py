"""``python -m attribution``: the same as the ``attribution`` command."""

from attribution.cli import entry

if __name__ == "__main__":
    entry()
