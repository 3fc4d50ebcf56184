#!/usr/bin/env bash
# Print the path of a Python 3.10 interpreter, or explain how to get one and fail.
# Rasa 3.6 supports Python 3.8-3.10 only; this project pins 3.10.
set -u
want="3.10"
candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root 2>/dev/null)
  for p in "$root"/versions/3.10.*/bin/python; do [ -x "$p" ] && candidates+=("$p"); done
fi
candidates+=(python3.10 /usr/bin/python3.10 /usr/local/bin/python3.10)
for c in "${candidates[@]}"; do
  if v=$("$c" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) && [ "$v" = "$want" ]; then
    command -v "$c" 2>/dev/null || echo "$c"
    exit 0
  fi
done
cat >&2 <<MSG
No Python $want found. Rasa 3.6 needs Python 3.8-3.10; this project uses $want.
Install one of these, then run 'make install' again:
  - with pyenv:   pyenv install 3.10.13   (this repo's .python-version selects it)
  - on Debian/Ubuntu: apt-get install python3.10 python3.10-venv  (where your release has it)
  - or point at one: make install PYTHON=/path/to/python3.10
MSG
exit 1
