"""Built-in rules, one module per family; importing a module registers its rules."""
from . import meta, lifetime, commands, reads, values, durability, clients, resilience  # noqa: F401
