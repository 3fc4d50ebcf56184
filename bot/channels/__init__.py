"""Client channels: SMS (Twilio) and Telegram, one module each, one outbound path for all.

- frontdesk.py: what every channel does with a message (safety first, keywords, introduction)
- sms.py, telegram.py: the adapters (verify, parse, send)
- gsm.py, split.py: GSM-7 for SMS, and splitting long texts where the meaning allows
- registry.py: the channels that are set up; routes.py: their webhooks
- bot/outbound.py: storing, sending, retrying, delivery reports

See the README (Channels) to connect a real Telegram bot and a real Twilio number.
"""
