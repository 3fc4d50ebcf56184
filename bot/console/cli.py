"""`python -m bot user ...`: console accounts from the command line.

Passwords are read from standard input (typed twice, hidden, at a terminal; or the first line
of piped input), never taken as an argument where they would land in shell history.

    python -m bot user add sam --role navigator --display-name "Sam Jones"
    python -m bot user list
    python -m bot user password sam
    python -m bot user disable sam | enable sam | unlock sam
"""

from __future__ import annotations

import argparse
import getpass
import sys

from bot.config import get_settings
from bot.console.sessions import SessionStore
from bot.console.throttle import LoginThrottle
from bot.console.users import ROLES, UserError, UserStore
from bot.store import connect


def read_password(stdin=None) -> str:  # noqa: ANN001 - a text stream
    stdin = stdin or sys.stdin
    if stdin.isatty():
        first = getpass.getpass("Password: ")
        again = getpass.getpass("Same password again: ")
        if first != again:
            raise UserError("The two passwords are not the same.")
        return first
    line = stdin.readline()
    return line.rstrip("\r\n")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bot user", description="Manage navigator console accounts."
    )
    sub = p.add_subparsers(dest="action", required=True)
    add = sub.add_parser("add", help="add an account (password from stdin)")
    add.add_argument("name", help="user name: small letters, digits, . _ -")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--display-name", default="", help='name clients see, e.g. "Sam Jones"')
    sub.add_parser("list", help="list accounts")
    for action, text in (
        ("password", "set a new password (from stdin); signs the user out everywhere"),
        ("disable", "stop an account from signing in; signs it out everywhere"),
        ("enable", "let a disabled account sign in again"),
        ("unlock", "lift a lock-out after too many wrong passwords"),
    ):
        one = sub.add_parser(action, help=text)
        one.add_argument("name")
    return p


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    settings = get_settings()
    db = connect(settings.db_path)
    users = UserStore(db)
    sessions = SessionStore(db, users)
    try:
        if args.action == "add":
            user = users.add(args.name, args.role, read_password(), args.display_name)
            print(
                f"Added {user.role} {user.user_name} ({user.display_name})."
                f" Sign in at {settings.gateway_url}/console"
            )
        elif args.action == "list":
            for user in users.all():
                state = "" if user.active else "  (disabled)"
                print(f"{user.user_name:<20} {user.role:<10} {user.display_name}{state}")
            if not users.count():
                print("No accounts yet. Add one with: python -m bot user add NAME --role admin")
        elif args.action == "password":
            users.set_password(args.name, read_password())
            sessions.end_all(args.name.strip().lower())
            print(f"New password set for {args.name}.")
        elif args.action in ("disable", "enable"):
            users.set_active(args.name, args.action == "enable")
            if args.action == "disable":
                name = args.name.strip().lower()
                sessions.end_all(name)
                with db.atomic():  # and off duty, so no client is promised this person
                    db.execute(
                        "UPDATE navigator_presence SET on_duty = 0 WHERE user_name = ?", [name]
                    )
            print(f"{args.name} is {args.action}d.")
        elif args.action == "unlock":
            if users.get(args.name) is None:
                raise UserError(f"There is no user called {args.name}.")
            LoginThrottle(db).unlock(args.name)
            print(f"{args.name} can try to sign in again now.")
    except UserError as error:
        print(f"Not done: {error}", file=sys.stderr)
        return 1
    finally:
        db.close()
    return 0
