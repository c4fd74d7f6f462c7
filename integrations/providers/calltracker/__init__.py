"""Call Tracker (calltracker.io): webhook deliveries of calls, voicemails, messages, trackers and usage (seed 003)."""
