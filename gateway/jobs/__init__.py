"""The worker's jobs: deliver complaints and updates, send messages, dead letters."""
