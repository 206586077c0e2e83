"""How much work one argon2id password hash must cost: the default and OWASP's floor."""

from __future__ import annotations

# argon2-cffi's defaults (RFC 9106's second choice): 64 MiB, 3 passes.
DEFAULT_MEMORY_KIB = 65536
DEFAULT_ITERATIONS = 3
# OWASP's floor for argon2id: 7 MiB at least, and memory x passes at least 35 MiB
# (its table runs from 46 MiB x 1 to 7 MiB x 5).
MIN_MEMORY_KIB = 7168
MIN_WORK_KIB = 35840


def check_hash_cost(memory_kib: int, iterations: int) -> None:
    """Refuse argon2 parameters under OWASP's floor (the ValueError names the rule)."""
    if memory_kib < MIN_MEMORY_KIB or iterations < 1 or memory_kib * iterations < MIN_WORK_KIB:
        raise ValueError(
            f"argon2 cost too low: at least {MIN_MEMORY_KIB} KiB of memory and "
            f"memory x iterations >= {MIN_WORK_KIB} (OWASP)")
