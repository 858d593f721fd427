"""Templates: posts sent to the bot become templates; list, preview, rename and delete them."""
