"""`python -m chats` is the `chats` command."""

import sys

from chats.cli import main

sys.exit(main())
