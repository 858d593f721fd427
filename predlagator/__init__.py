"""Predlagator."""
