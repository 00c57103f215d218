"""The `tracker` command line."""
