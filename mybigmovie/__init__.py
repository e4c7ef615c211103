"""Settings, wiring (the composition root) and the command line."""
