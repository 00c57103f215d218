"""The ways into the tracker and their wiring: the command line (app.cli) and what `tracker serve` starts
(app.service). They call tracker's use cases; tracker/ imports nothing from here."""
