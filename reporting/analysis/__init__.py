"""What the optimum means: the moves an allocation allows, each demand's outcome, shortlists
and their costs, quota prices (derived problems re-solved), blocking rules."""
