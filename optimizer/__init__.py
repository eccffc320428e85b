"""Solver layer: everything that knows OR-Tools (CP-SAT model, bounds, solve)."""
