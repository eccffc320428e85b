"""The CIL's web workspace: ``attribution serve LEDGER``.

A server-rendered application (FastAPI + Jinja2, plain forms, no script build, no CDN)
on top of the command-line machinery: a round is run by the same code as ``attribution
solve``, a decision is recorded by the same code as ``attribution record``, the year is
the ``bilan``'s output. This package is the top layer, beside ``cli``; it writes no rule
of its own (see :mod:`attribution.web.backend`, the one adapter to the layers below).
"""
