"""The web app's pages (one file per step) and the UI modules they share."""
