"""kubectl for the playground: its command grammar and, above all, its exact output.

Everything a learner would compare with a real terminal lives here: the tables `kubectl get`
prints (`printers/` builds them, `table.py` lays them out like Go's tabwriter), the ages they
show (`duration.py`), and the success and error lines of each command. Other front-ends (the
TUI, scenario checks, the HTTP server) reuse these instead of re-deriving text.
"""
