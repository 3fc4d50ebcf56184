"""Handing a conversation to a human navigator: queue, claim, reply, notes, return."""
