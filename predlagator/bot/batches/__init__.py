"""Batches and channels: lists of channels from messages and files, their pages and edits."""
