"""Shared test setup: a deterministic Hypothesis profile so the suite is repeatable."""

from __future__ import annotations

from pathlib import Path

from ipsecmc.strategies import register_profile

# The public profile (no deadline, too_slow suppressed, print_blob, no explain phase:
# ipsecmc.strategies.PROFILE), derandomized and with fewer examples.
register_profile(load=True, derandomize=True, max_examples=60)

REPO = Path(__file__).resolve().parent.parent
MODELS = REPO / "models"
