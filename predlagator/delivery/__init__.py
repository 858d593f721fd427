"""The worker: its task bodies, the Sender and its Telethon implementation, pacing, the drain."""
