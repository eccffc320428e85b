"""The tables of a results folder: assignments, decisions, aggregates, the round's key figures
(kpis.json) and the commission's agenda."""
