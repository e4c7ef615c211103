"""Read models built from the event log: one module per read model, a runner, and the queries."""
