"""Command-line interface: ``attribution``. Only parses, calls and prints.

Exit codes (documented in the README):
0 success; 1 invalid input data; 2 usage error; 3 infeasible policy (hard quotas
conflict); 4 time limit reached without any allocation; 5 internal error.
"""

from __future__ import annotations

import sys

import click

EXIT_OK, EXIT_DATA, EXIT_USAGE, EXIT_INFEASIBLE, EXIT_NO_SOLUTION, EXIT_INTERNAL = 0, 1, 2, 3, 4, 5


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("attribution")
    except PackageNotFoundError:  # running from a checkout without install
        return "0.1.0+checkout"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(_version(), prog_name="attribution")
def main() -> None:
    """Attribution optimisation solver for social housing.

    Reads a territory folder (demands.csv, units.csv, policy.toml), scores every demand,
    builds the compatibility graph, and allocates the freed units with a proven-optimal
    CP-SAT model under the policy's quotas.
    """


# --- commands are registered below, one block each -----------------------------------


if __name__ == "__main__":
    sys.exit(main())
