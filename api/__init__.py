"""The insurer HTTP API (FastAPI): ``api.main.create_app(settings)``. See docs/api.md."""
