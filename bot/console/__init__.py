"""The navigator console: pages under /console, JSON under /api/console/ (see the README (Navigator console)).

Navigators sign in, go on duty, watch the queue live, claim a conversation, read its summary and
whole transcript, reply on the client's own channel, keep private notes, and hand the client back
to the assistant. Every view and action is written to an audit log that admins can read.
"""

from __future__ import annotations

from starlette.routing import BaseRoute


def console_routes() -> list[BaseRoute]:
    """The console's routes, for the gateway's route list (`*console_routes()`)."""
    from bot.console.routes import console_routes as build  # the CLI should not load the web app

    return build()


__all__ = ["console_routes"]
