"""Command line: `python -m bot COMMAND`. Run `python -m bot --help` for the list."""

from __future__ import annotations

import logging
import sys

COMMANDS = {
    "run": "start Rasa, the action server and the gateway (what `make run` does)",
    "serve": "start only the gateway web process",
    "train-if-changed": "train the Rasa model if its training data changed",
    "train": "check, train, test and load a new model (see `train --help`; the README (staff guide))",
    "safety": "screen text for crisis and trauma signals (see `safety --help`)",
    "reminders": "parse reminder times (see `reminders parse --help`)",
    "jargon": "find and explain jargon in text (see `jargon --help`)",
    "content": "`content check`: the plain-language gate over every client-facing text",
    "user": "manage navigator console accounts (see `user --help`)",
}


def usage() -> str:
    lines = ["usage: python -m bot COMMAND [ARGS]", "", "commands:"]
    lines += [f"  {name:<17} {text}" for name, text in COMMANDS.items()]
    return "\n".join(lines)


def serve() -> int:
    import uvicorn

    from bot.app import create_app
    from bot.config import get_settings

    settings = get_settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # ws="none": no websockets here (the console uses server-sent events), and uvicorn's
    # websockets support does not work with the websockets 10 that Rasa pins.
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="info",
        ws="none",
        timeout_graceful_shutdown=3,  # open console event streams must not hold up a stop
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(usage())
        return 0
    command, rest = argv[0], argv[1:]
    if command == "run":
        from bot.config import get_settings
        from bot.supervisor import run

        return run(get_settings())
    if command == "serve":
        return serve()
    if command == "train":
        from bot.staff.cli import main as train_main

        return train_main(rest)
    if command == "train-if-changed":
        from bot.config import get_settings
        from bot.training import train_if_changed

        train_if_changed(get_settings())
        return 0
    if command == "safety":
        from bot.safety.cli import main as safety_main

        return safety_main(rest)
    if command == "reminders":
        from bot.reminders.cli import main as reminders_main

        return reminders_main(rest)
    if command == "jargon":
        from bot.jargon.cli import main as jargon_main

        return jargon_main(rest)
    if command == "user":
        from bot.console.cli import main as user_main

        return user_main(rest)
    if command == "content":
        from bot.content_check import main as content_main

        return content_main(rest)
    print(f"Unknown command {command!r}.\n\n{usage()}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
