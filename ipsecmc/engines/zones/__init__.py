"""The zone engine: timers as symbolic clocks (DBMs) under free traffic, with the
recovery pass for `recoverable`."""
