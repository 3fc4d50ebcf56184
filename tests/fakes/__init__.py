"""Local stand-ins for Twilio and Telegram on 127.0.0.1, speaking their real wire formats, and
a helper that runs the gateway on a loopback port so the fakes can call its webhooks."""
