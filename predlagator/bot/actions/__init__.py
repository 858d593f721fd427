"""Actions over a campaign's posts once they are out: edit, delete, pin and unpin."""
