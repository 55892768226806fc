"""What the commands do, above the engines: check, fix, diff, measure, unknowns,
traces read back from JSON."""
