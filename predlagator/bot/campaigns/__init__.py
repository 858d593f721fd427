"""Campaigns: the wizard, the list, the controls, the live progress card and its notices."""
