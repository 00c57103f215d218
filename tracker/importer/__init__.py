"""Turning the documents a ward already has (conclusion notices, task tables) into tasks."""
