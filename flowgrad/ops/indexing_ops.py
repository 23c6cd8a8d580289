"""Gather, scatter, padding, tiling, sorting and other index-driven ops."""
