"""Objects built around what they are given: `q = Queue(connection=r)` holds `r`, so `r` goes where
`q` goes — kept, stored, returned, or dropped with it at the end of the function (RL602 asks
whether a client outlives its call).  What a call's result holds is known only for the shapes the
statement shows; anything else counts as kept by the call.  Driven by the extractor, which calls
these hooks from its own visit methods."""
from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Dict, Optional, Set, Tuple

import libcst as cst

from . import clients

if TYPE_CHECKING:  # pragma: no cover
    from .extract import CallExtractor

# Where a holder goes: the target its result is assigned to (None: dropped with the statement),
# and whether that target outlives the function.
Holder = Tuple[Optional[cst.BaseExpression], bool]


class HolderFacts:
    def __init__(self, extractor: "CallExtractor"):
        # A weak reference: the extractor holds this object (see loops.LoopFacts).
        self.x = weakref.proxy(extractor)
        self.arg_parent: Dict[int, cst.Call] = {}  # id(Arg) -> the call it is an argument of
        # id(call) -> the method call it is the receiver of (`Queue(connection=r).enqueue(f)`)
        self.receiver_of: Dict[int, cst.Call] = {}
        self.value_holders: Dict[int, Holder] = {}  # id(argument value) -> where its holder goes
        self.held_by: Dict[int, Dict[str, Set[str]]] = {}  # function index -> {name: its holders' names}

    def call(self, node: cst.Call) -> None:
        for arg in node.args:
            self.arg_parent[id(arg)] = node
        if isinstance(node.func, cst.Attribute) and isinstance(node.func.value, cst.Call):
            self.receiver_of[id(node.func.value)] = node

    def argument(self, node: cst.Arg) -> None:
        """A name given to a holder is kept as the holder is (``leave_function``); a call built
        right there (`Queue(connection=Redis())`) is used as the holder is (``site_use``).
        Given to a call that may keep it, a name is kept."""
        holder = self._holder(node)
        value = node.value
        x = self.x
        if isinstance(value, cst.Name):
            target, stored = holder if holder is not None else (value, False)
            if holder is None or (target is not None and not isinstance(target, cst.Name)):
                x._add_name("kept_names", value.value)
                if stored:
                    x._add_name("stored_names", value.value)
            elif target is not None:
                self.held_by.setdefault(x.function_stack[-1], {}).setdefault(value.value, set()).add(target.value)
        elif holder is not None:
            self.value_holders[id(value)] = holder

    def _holder(self, arg: cst.Arg) -> Optional[Holder]:
        """Where the object an argument is given to goes, when the statement shows all of it: the
        call's result is assigned (`q = Queue(connection=r)`), or is the receiver of a method
        call whose result is dropped or assigned (`Queue(connection=r).enqueue(f)`).  None when
        the call may keep it elsewhere: its result is handed on, returned, or dropped at once
        (`register(r)`), or it is a redis-py object built on it (`Redis(connection_pool=pool)`,
        judged as such)."""
        x = self.x
        parent = self.arg_parent.get(id(arg))
        if arg.star or parent is None or not x.function_stack or id(parent) in x.forwarded:
            return None
        holder = self._goes(parent)
        if holder is None:
            return None
        # (Asked last: a name lookup for each argument of each call is the costly part.)
        qualified = x.resolver.qualified(parent.func, x.scope)
        return None if qualified is not None and clients.site_kind(qualified) is not None else holder

    def _goes(self, call: cst.Call) -> Optional[Holder]:
        """Where the statement shows ``call``'s result go: assigned, or the receiver of a method
        call whose own result is dropped or assigned; None for anything else."""
        x = self.x
        if x.use.get(id(call), ("other", None))[0] == "assign" and id(call) in x.targets:
            return x.targets[id(call)]
        outer = self.receiver_of.get(id(call))
        if outer is None:
            return None
        use = x.use.get(id(outer), ("other", None))[0]
        if use == "discard":
            return None, False
        return x.targets[id(outer)] if use == "assign" and id(outer) in x.targets else None

    def site_use(self, node: cst.Call, use: str) -> Optional[Tuple[str, Optional[str], bool]]:
        """For a construction or a project call given to a holder: how its result is used, where
        it is assigned and whether that outlives the function, as the holder's (`q =
        Queue(connection=Redis())` is assigned to `q`); None when it is not given to one."""
        held = self.value_holders.get(id(node)) if use == "argument" else None
        if held is None:
            return None
        target, stored = held
        return ("discard", None, False) if target is None else ("assign", self.x.resolver.code(target), stored)

    def leave_function(self, index: int) -> None:
        """The names given to holders are kept, stored or returned as soon as one of their
        holders is, through holders of holders."""
        held = self.held_by.pop(index, None)
        info = self.x.model.functions[index]
        changed = bool(held)
        while changed:
            changed = False
            for name, holders in held.items():
                for field_name in ("kept_names", "stored_names", "returned_names"):
                    names = getattr(info, field_name)
                    if name not in names and not holders.isdisjoint(names):
                        setattr(info, field_name, names + (name,))
                        changed = True
