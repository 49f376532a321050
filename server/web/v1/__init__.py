"""The public REST API for integrations under /api/v1 (registry.py)."""
