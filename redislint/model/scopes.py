"""First pass over a module: what names are bound to, per scope, before any call is judged.

Receivers and keys are resolved through bindings that may come later in the file (a factory
defined below its use, `self.redis` set in `__init__` but used in a method above it), so the
bindings are collected first.  Resolution is flow-insensitive within a scope: a name bound to
the same kind of thing on every assignment resolves; a name bound to different things does not.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

import libcst as cst

from .walk import walk


def dotted_name(node: cst.BaseExpression) -> Optional[str]:
    """`a.b.c` for a Name/Attribute chain, else None."""
    parts: List[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None


@dataclass
class Param:
    name: str
    annotation: Optional[cst.BaseExpression]
    default: Optional[cst.BaseExpression]
    index: int
    star: bool = False  # *args / **kwargs: what callers pass cannot be matched to it


@dataclass
class Scope:
    """A function (or the module, with ``node`` None) and the names bound in it."""

    node: Optional[cst.CSTNode]
    name: str
    parent: Optional["Scope"]
    class_name: Optional[str] = None
    params: Dict[str, Param] = field(default_factory=dict)
    # name -> every value assigned to it in this scope (including `with ... as name`).
    assigns: Dict[str, List[cst.BaseExpression]] = field(default_factory=dict)
    # names bound by loops, comprehensions, `except ... as`, unpacking: values we cannot follow.
    opaque: Set[str] = field(default_factory=set)
    # Loop variables: name -> the iterables they take elements of (`for c in self.clients:`).
    iterates: Dict[str, List[cst.BaseExpression]] = field(default_factory=dict)
    # Names declared `global`: they resolve in the module.
    globals: Set[str] = field(default_factory=set)
    returns: List[cst.BaseExpression] = field(default_factory=list)
    # Values of `yield v` (not `yield from`): what a generator fixture hands to the tests.
    yields: List[cst.BaseExpression] = field(default_factory=list)
    return_annotation: Optional[cst.BaseExpression] = None
    decorators: Tuple[str, ...] = ()
    is_async: bool = False
    # The `**kwargs` parameter's name: a dict of whatever keywords the caller passed.
    star_kwarg: Optional[str] = None

    @property
    def qualname(self) -> str:
        """`Class.method` or `function`: how FunctionInfo and callers in the project name it."""
        return f"{self.class_name}.{self.name}" if self.class_name else self.name

    @property
    def self_name(self) -> Optional[str]:
        """The first parameter of a method (`self`/`cls`), which names the instance."""
        if self.class_name is None:
            return None
        for p in self.params.values():
            if p.index == 0 and "staticmethod" not in self.decorators:
                return p.name
        return None


@dataclass
class ClassInfo:
    name: str
    bases: Tuple[str, ...]
    # attribute -> (value, the scope of the method that assigned it) for `self.x = ...` and
    # class-body assignments.
    attrs: Dict[str, List[Tuple[cst.BaseExpression, Scope]]] = field(default_factory=dict)
    annotations: Dict[str, cst.BaseExpression] = field(default_factory=dict)
    methods: Dict[str, Scope] = field(default_factory=dict)


@dataclass
class ModuleScopes:
    module: Scope
    imports: Dict[str, str]  # local name -> qualified name ("R" -> "redis.Redis")
    functions: Dict[int, Scope]  # id(FunctionDef node) -> scope
    classes: Dict[str, ClassInfo]
    # Module-level functions by name (for factories and key builders).
    module_functions: Dict[str, Scope]
    # `app.redis = ...` style bindings at module level: dotted text -> values.
    dotted_assigns: Dict[str, List[cst.BaseExpression]]
    # Functions passed to `<x>.transaction(fn, ...)`: their first parameter is a pipeline.
    transaction_callbacks: Set[str]


def _decorator_names(node: cst.FunctionDef) -> Tuple[str, ...]:
    names = []
    for dec in node.decorators:
        expr = dec.decorator
        if isinstance(expr, cst.Call):
            expr = expr.func
        name = dotted_name(expr)
        if name:
            names.append(name.rsplit(".", 1)[-1])
    return tuple(names)


def _target_names(target: cst.BaseExpression) -> List[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        out: List[str] = []
        for el in target.elements:
            out.extend(_target_names(el.value))
        return out
    if isinstance(target, cst.StarredElement):
        return _target_names(target.value)
    return []


class ScopeCollector:
    """Collects imports, assignments, parameters, returns and class attributes per scope (driven
    by ``walk``)."""

    def __init__(self) -> None:
        self.module_scope = Scope(None, "<module>", None)
        self.stack: List[Scope] = [self.module_scope]
        self.class_stack: List[ClassInfo] = []
        self.imports: Dict[str, str] = {}
        self.functions: Dict[int, Scope] = {}
        self.classes: Dict[str, ClassInfo] = {}
        self.module_functions: Dict[str, Scope] = {}
        self.dotted_assigns: Dict[str, List[cst.BaseExpression]] = {}
        self.transaction_callbacks: Set[str] = set()

    def result(self) -> ModuleScopes:
        return ModuleScopes(self.module_scope, self.imports, self.functions, self.classes,
                            self.module_functions, self.dotted_assigns, self.transaction_callbacks)

    @property
    def scope(self) -> Scope:
        return self.stack[-1]

    # --- imports -----------------------------------------------------------------------
    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = dotted_name(alias.name) or ""
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.imports[alias.asname.name.value] = full
            else:
                head = full.split(".", 1)[0]
                self.imports.setdefault(head, head)
                if "." in full:
                    self.imports[full] = full

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = dotted_name(node.module) if node.module is not None else ""
        dots = "".join("." for _ in node.relative)
        base = f"{dots}{module or ''}"
        if isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            name = dotted_name(alias.name) or ""
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            sep = "" if base.endswith(".") else "."
            self.imports[local] = f"{base}{sep}{name}" if base else name

    # --- scopes ------------------------------------------------------------------------
    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        bases = tuple(filter(None, (dotted_name(arg.value) for arg in node.bases)))
        info = ClassInfo(node.name.value, bases)
        self.classes.setdefault(node.name.value, info)
        self.class_stack.append(self.classes[node.name.value])

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.class_stack.pop()

    def _in_class_body(self) -> bool:
        """The innermost scope is a class body (not a method of it)."""
        return bool(self.class_stack) and (
            self.scope.class_name != self.class_stack[-1].name or self.scope.node is None
            or self.scope.class_name is None
        ) and self._class_depth_matches()

    def _class_depth_matches(self) -> bool:
        # A class body's statements run in the scope that encloses the class; we mark class
        # bodies by comparing how many functions deep the class was opened.
        return getattr(self, "_class_open_depth", {}).get(id(self.class_stack[-1])) == len(self.stack)

    def visit_ClassDef_body(self, node: cst.ClassDef) -> None:
        depths = getattr(self, "_class_open_depth", None)
        if depths is None:
            depths = self._class_open_depth = {}
        depths[id(self.class_stack[-1])] = len(self.stack)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        class_name = None
        if self.class_stack and self._class_depth_matches():
            class_name = self.class_stack[-1].name
        scope = Scope(node, node.name.value, self.scope, class_name=class_name,
                      decorators=_decorator_names(node), is_async=node.asynchronous is not None,
                      return_annotation=node.returns.annotation if node.returns else None)
        index = 0
        params = node.params
        for group in (params.posonly_params, params.params):
            for p in group:
                scope.params[p.name.value] = Param(p.name.value, p.annotation.annotation if p.annotation else None,
                                                   p.default, index)
                index += 1
        for p in (params.star_arg,):
            if isinstance(p, cst.Param):
                scope.params[p.name.value] = Param(p.name.value, None, None, -1, star=True)
        for p in params.kwonly_params:
            scope.params[p.name.value] = Param(p.name.value, p.annotation.annotation if p.annotation else None,
                                               p.default, -1)
        if isinstance(params.star_kwarg, cst.Param):
            scope.params[params.star_kwarg.name.value] = Param(params.star_kwarg.name.value, None, None, -1, star=True)
            scope.star_kwarg = params.star_kwarg.name.value
        if class_name is not None:
            self.classes[class_name].methods[node.name.value] = scope
        elif self.scope is self.module_scope:
            self.module_functions[node.name.value] = scope
        else:
            # A nested function is a local binding of its enclosing function.
            self.scope.opaque.add(node.name.value)
        self.functions[id(node)] = scope
        self.stack.append(scope)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.stack.pop()

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_Global(self, node: cst.Global) -> None:
        for item in node.names:
            self.scope.globals.add(item.name.value)

    # --- bindings ----------------------------------------------------------------------
    def _bind(self, target: cst.BaseExpression, value: Optional[cst.BaseExpression]) -> None:
        scope = self.scope
        if isinstance(target, cst.Name):
            name = target.value
            dest = self.module_scope if name in scope.globals else scope
            if value is None:
                dest.opaque.add(name)
            else:
                dest.assigns.setdefault(name, []).append(value)
            if self.class_stack and self._class_depth_matches() and value is not None:
                self.class_stack[-1].attrs.setdefault(name, []).append((value, scope))
            return
        if isinstance(target, cst.Attribute) and value is not None:
            base = target.value
            self_name = scope.self_name
            if isinstance(base, cst.Name) and self_name and base.value == self_name and scope.class_name:
                self.classes[scope.class_name].attrs.setdefault(target.attr.value, []).append((value, scope))
                return
            dotted = dotted_name(target)
            if dotted and scope is self.module_scope:
                self.dotted_assigns.setdefault(dotted, []).append(value)
            return
        if isinstance(target, cst.Subscript) and value is not None:
            # `self.clients[host] = Redis(...)`: an element of a container; resolved as `X[]`.
            base = target.value
            self_name = scope.self_name
            if isinstance(base, cst.Attribute) and isinstance(base.value, cst.Name) and self_name \
                    and base.value.value == self_name and scope.class_name:
                self.classes[scope.class_name].attrs.setdefault(f"{base.attr.value}[]", []).append((value, scope))
            elif isinstance(base, cst.Name):
                # Item assignment needs no `global`: a container the function does not bind
                # itself is the module's.
                local = base.value in scope.assigns or base.value in scope.params
                dest = scope if local and base.value not in scope.globals else self.module_scope
                dest.assigns.setdefault(f"{base.value}[]", []).append(value)
            return
        for name in _target_names(target):
            scope.opaque.add(name)

    def visit_Assign(self, node: cst.Assign) -> None:
        for t in node.targets:
            self._bind(t.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        target = node.target
        if node.value is not None:
            self._bind(target, node.value)
        # Annotations of attributes (`redis: Redis` in a class body, `self.redis: Redis = ...`).
        if self.class_stack and isinstance(target, cst.Name) and self._class_depth_matches():
            self.class_stack[-1].annotations[target.value] = node.annotation.annotation
        elif isinstance(target, cst.Attribute) and self.scope.class_name and isinstance(target.value, cst.Name) \
                and target.value.value == self.scope.self_name:
            self.classes[self.scope.class_name].annotations[target.attr.value] = node.annotation.annotation
        elif isinstance(target, cst.Name) and node.value is None:
            self.scope.opaque.add(target.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        for name in _target_names(node.target):
            self.scope.opaque.add(name)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind(node.asname.name, node.item)

    def visit_For(self, node: cst.For) -> None:
        for name in _target_names(node.target):
            self.scope.opaque.add(name)
        if isinstance(node.target, cst.Name):
            self.scope.iterates.setdefault(node.target.value, []).append(node.iter)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        for name in _target_names(node.target):
            self.scope.opaque.add(name)
        if isinstance(node.target, cst.Name):
            self.scope.iterates.setdefault(node.target.value, []).append(node.iter)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None and isinstance(node.name.name, cst.Name):
            self.scope.opaque.add(node.name.name.value)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind(node.target, node.value)

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is not None and self.scope is not self.module_scope:
            self.scope.returns.append(node.value)

    def visit_Yield(self, node: cst.Yield) -> None:
        if isinstance(node.value, cst.BaseExpression) and self.scope is not self.module_scope:
            self.scope.yields.append(node.value)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "transaction" and node.args:
            first = node.args[0].value
            if isinstance(first, cst.Name):
                self.transaction_callbacks.add(first.value)
            elif isinstance(first, cst.Attribute):
                self.transaction_callbacks.add(first.attr.value)


def collect_scopes(module: cst.Module) -> ModuleScopes:
    collector = ScopeCollector()
    walk(module, collector)
    return collector.result()
