"""Shared test setup: a deterministic Hypothesis profile so the suite is repeatable."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ipsecmc",
    derandomize=True,
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile("ipsecmc")

REPO = Path(__file__).resolve().parent.parent
MODELS = REPO / "models"
