"""The Flask app, persistence, the intake dialog and the command line."""
