"""Output layer: the results folder (CSV, JSON, HTML, XLSX) and per-demand explanations."""
