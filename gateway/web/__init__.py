"""The HTTP surface: the app, webhooks, /api/v1, health and media, and serve."""
