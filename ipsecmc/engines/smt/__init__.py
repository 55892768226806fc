"""The Z3 engine: the step relation derived from the reference semantics by symbolic
execution, BMC, k-induction and IC3/PDR (Spacer)."""
