"""Custom actions for the Rasa assistant (run by the rasa-sdk action server)."""
