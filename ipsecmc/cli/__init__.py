"""The ``ipsecmc`` command line (entry point ``ipsecmc.cli:main``).

``app`` holds the click group, the exit codes and the error handling; each other module
registers its commands on that group when imported here: ``read`` (parse, lint),
``check``, ``extra`` (diff, fix, explain), ``measure`` and ``synthesize``.
"""

from ipsecmc.cli import check, extra, measure, read, synthesize
from ipsecmc.cli.app import main

__all__ = ["check", "extra", "main", "measure", "read", "synthesize"]
