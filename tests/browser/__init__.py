"""The chat page in a real Chromium, driven by Playwright against a real server process."""
