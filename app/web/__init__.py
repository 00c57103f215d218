"""The web console: server-rendered pages (Starlette, jinja2, htmx shipped with the package) for office staff,
leaders and unit heads, served by `tracker serve` beside the scheduler, the sender and the chat bots. Every
page and action goes through the same use cases and access rules as the command line and the chat."""
