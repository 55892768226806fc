"""The model: state, parameters, the one reference semantics (handlers and tick), clocks,
events and their words. Engines interpret it; nothing here knows a vendor."""
