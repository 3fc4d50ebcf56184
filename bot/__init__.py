"""The gateway: channels, safety screen, handoff, reminders and console around the Rasa assistant."""
