"""Password hashing for console accounts: Argon2id, a memory-hard hash (argon2-cffi).

The default parameters are RFC 9106's low-memory profile (64 MiB, 3 passes, 4 lanes). Tests may
swap `HASHER` for a cheaper one; production code never does.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

HASHER = PasswordHasher()
MIN_LENGTH = 10
MAX_LENGTH = 1024

# Verified against when the user name is unknown, so a wrong name takes as long as a wrong
# password and the answer does not reveal which names exist.
_DUMMY_HASH: str | None = None


class PasswordRuleError(ValueError):
    """The new password breaks a rule; the message says which, in plain words."""


def check_rules(password: str, user_name: str) -> None:
    if len(password) < MIN_LENGTH:
        raise PasswordRuleError(f"The password needs at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise PasswordRuleError(f"The password can have at most {MAX_LENGTH} characters.")
    if password.strip().lower() == user_name.strip().lower():
        raise PasswordRuleError("The password cannot be the same as the user name.")
    if len(set(password)) < 4:
        raise PasswordRuleError("The password needs more different characters.")


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; a missing hash still costs one full verification."""
    global _DUMMY_HASH
    if not password_hash:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = HASHER.hash("not a real password, only for timing")
        password_hash = _DUMMY_HASH
        password = password + "\x00never"
    try:
        return HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    try:
        return HASHER.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True
