"""The explicit-state engine: the one-second search with time jumps, memoised successors
and the stretch graph behind `measure`."""
