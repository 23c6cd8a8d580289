"""The static half of AutoGraph: rewriting a function's AST so that its control flow goes
through the operators in `operators.py`.

The passes, in order, for each function (nested functions get their own run):

1. **Checks**: `yield`, `async def` and `:=` are rejected with a `ConversionError`;
   `global` / `nonlocal` declarations move to the top of the function.
2. **Loops**: `break` becomes `break_N = True`, `continue` becomes `continue_N = True`, and the
   statements after one run under `if not flag:` (or move into the `else` of an `if` whose
   other branch always sets the flag). `while` tests get `not break_N and ...`; `for` loops
   get an extra test. A loop's `else` moves after the loop, guarded by `not break_N`. A first
   statement `tf.autograph.experimental.set_loop_options(...)` becomes the loop's options.
3. **Returns**: with a `return` anywhere but at the very end, `return v` becomes
   `do_return = True; retval_ = v`, with the same guarding, loops stop on `do_return`, and the
   function ends with `return ag__.retval(retval_)`.
4. **Expressions**: `and` / `or` / `not`, `a if c else b`, chained comparisons, `assert` and
   function calls (`ag__.converted_call`) become operator calls.
5. **Liveness**: for every `if` and loop, which variables are read later (backward data flow).
6. **Control flow**: each `if` / `while` / `for` becomes local functions over the variables it
   modifies that are live (its *state*) and one operator call that returns their new values.
   A state variable that may be unassigned at that point is first set to `ag__.Undefined('x')`
   and its reads become `ag__.ld(x)`.
"""

import ast
import os

from .errors import ConversionError

DO_RETURN = "do_return"
RETVAL = "retval_"
AG = "ag__"

# Calls that stay plain Python calls: frame-dependent builtins, and common builtins that never
# need conversion (kept readable in to_code).
_NO_WRAP = frozenset({"locals", "globals", "vars", "eval", "exec", "super", "dir", "print",
                      "isinstance", "issubclass", "hasattr", "getattr", "setattr", "id", "repr",
                      "type", "str", "callable"})

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.ListComp,
           ast.SetComp, ast.DictComp, ast.GeneratorExp)
_TRY = (ast.Try,) + ((ast.TryStar,) if hasattr(ast, "TryStar") else ())
_MATCH = (ast.Match,) if hasattr(ast, "Match") else ()


# -- node construction -----------------------------------------------------------------------------
def _name(name, ctx=ast.Load):
    n = ast.Name(id=name, ctx=ctx())
    n._ag_gen = True
    return n


def _ag(attr):
    return ast.Attribute(value=_name(AG), attr=attr, ctx=ast.Load())


def _call(func, args=(), keywords=()):
    return ast.Call(func=func, args=list(args), keywords=list(keywords))


def _kw(name, value):
    return ast.keyword(arg=name, value=value)


def _const(v):
    return ast.Constant(value=v)


def _assign(name, value):
    return ast.Assign(targets=[_name(name, ast.Store)], value=value)


def _tuple(names, ctx=ast.Load):
    return ast.Tuple(elts=[_name(n, ctx) for n in names], ctx=ctx())


def _strs(names):
    return ast.Tuple(elts=[_const(n) for n in names], ctx=ast.Load())


def _no_args():
    return ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[],
                         kwarg=None, defaults=[])


def _inline_lambda(expr):
    lam = ast.Lambda(args=_no_args(), body=expr)
    lam._ag_inline = True
    return lam


def _not(name):
    return ast.UnaryOp(op=ast.Not(), operand=_name(name))


def _def(name, params, body):
    fn = ast.FunctionDef(name=name, args=ast.arguments(
        posonlyargs=[], args=[ast.arg(arg=p) for p in params], vararg=None, kwonlyargs=[],
        kw_defaults=[], kwarg=None, defaults=[]), body=body, decorator_list=[], returns=None,
        type_params=[])
    fn._ag_gen = True
    return fn


def _located(nodes, like):
    for n in nodes:
        ast.copy_location(n, like)
        ast.fix_missing_locations(n)
    return nodes


# -- scope-aware walking ---------------------------------------------------------------------------
def _walk_local(node):
    """Yields `node` and its descendants, not entering scopes (a function, lambda, class or
    comprehension is yielded itself, but not its contents)."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        if isinstance(n, _SCOPES):
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(n))))


def _walk_stmts(stmts):
    for s in stmts:
        yield from _walk_local(s)


def _assigned(stmts):
    """Names a block binds in its own scope, in order of first appearance."""
    out = {}
    for n in _walk_stmts(stmts):
        if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)):
            out.setdefault(n.id, None)
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.setdefault(n.name, None)
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            for a in n.names:
                if a.name != "*":
                    out.setdefault(a.asname or a.name.split(".")[0], None)
        elif isinstance(n, ast.ExceptHandler) and n.name:
            out.setdefault(n.name, None)
    return list(out)


_COMPS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _arg_names(args):
    return {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs} | {
        a.arg for a in (args.vararg, args.kwarg) if a is not None}


def _loads(node):
    """The names read under `node` from the enclosing scope: reads inside nested functions,
    lambdas and comprehensions count, except of the names those bind themselves."""
    out = set()

    def visit(n, bound):
        if isinstance(n, ast.Name):
            if isinstance(n.ctx, ast.Load) and n.id not in bound:
                out.add(n.id)
            return
        if isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name) and \
                n.target.id not in bound:
            out.add(n.target.id)
        if isinstance(n, _COMPS):
            inner = set(bound)
            for g in n.generators:
                inner |= set(_target_names(g.target))
            for k, g in enumerate(n.generators):
                visit(g.iter, bound if k == 0 else inner)
                for cond in g.ifs:
                    visit(cond, inner)
            for part in (getattr(n, "elt", None), getattr(n, "key", None),
                         getattr(n, "value", None)):
                if part is not None:
                    visit(part, inner)
            return
        if isinstance(n, ast.Lambda):
            for d in n.args.defaults + [d for d in n.args.kw_defaults if d is not None]:
                visit(d, bound)
            visit(n.body, bound | _arg_names(n.args))
            return
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for d in n.decorator_list + n.args.defaults + [
                    d for d in n.args.kw_defaults if d is not None]:
                visit(d, bound)
            outer = {name for s in _walk_stmts(n.body) if isinstance(s, ast.Nonlocal)
                     for name in s.names}
            local = (_arg_names(n.args) | set(_assigned(n.body))) - outer
            out.update(outer - bound)
            for s in n.body:
                visit(s, bound | local)
            return
        for child in ast.iter_child_nodes(n):
            visit(child, bound)

    if node is not None:
        visit(node, frozenset())
    return out


def _target_names(target):
    return [n.id for n in ast.walk(target) if isinstance(n, ast.Name)
            and isinstance(n.ctx, ast.Store)]


def _contains(stmts, types):
    return any(isinstance(n, types) for n in _walk_stmts(stmts))


def _stmt_blocks(s):
    """The statement lists directly inside a compound statement (not nested scopes)."""
    blocks = []
    for field in ("body", "orelse", "finalbody"):
        b = getattr(s, field, None)
        if isinstance(b, list) and b and isinstance(b[0], ast.stmt):
            blocks.append((s, field))
    for h in getattr(s, "handlers", ()) or ():
        blocks.append((h, "body"))
    for c in getattr(s, "cases", ()) or ():
        blocks.append((c, "body"))
    return blocks


def _is_flag_set(s, flag):
    return (isinstance(s, ast.Assign) and len(s.targets) == 1 and
            isinstance(s.targets[0], ast.Name) and s.targets[0].id == flag and
            isinstance(s.value, ast.Constant) and s.value.value is True)


# -- pass 1: checks --------------------------------------------------------------------------------
class _Source:
    """Where the converted code came from, for messages: `file.py:LINE`."""

    def __init__(self, filename, line_offset, qualname):
        self.filename = filename
        self.base = os.path.basename(filename) if filename else "<unknown>"
        self.offset = line_offset
        self.qualname = qualname

    def line(self, node):
        return f"{self.base}:{getattr(node, 'lineno', 0) + self.offset}"

    def full(self, node):
        return f"{self.filename}:{getattr(node, 'lineno', 0) + self.offset}"


def _check(fn, src, top):
    if isinstance(fn, ast.AsyncFunctionDef):
        raise ConversionError(
            f"AutoGraph cannot convert the coroutine {src.qualname!r} ({src.full(fn)}): "
            "`async def` functions are not supported. Make it a regular function.")
    for n in _walk_stmts(fn.body):
        if isinstance(n, (ast.Yield, ast.YieldFrom)):
            raise ConversionError(
                f"AutoGraph cannot convert the generator {src.qualname!r}: `yield` at "
                f"{src.full(n)} is not supported in converted code. Return a list or a "
                "tensor instead (collect the values, e.g. with tf.stack), or use tf.while_loop "
                "/ tf.map_fn / tf.scan to produce them.")
        if isinstance(n, ast.NamedExpr):
            raise ConversionError(
                f"AutoGraph cannot convert the assignment expression (:=) at {src.full(n)} in "
                f"{src.qualname!r}. Assign the value in a separate statement before it.")


def _is_generator(fn):
    return isinstance(fn, ast.AsyncFunctionDef) or _contains(fn.body, (ast.Yield, ast.YieldFrom))


def _hoist_declarations(fn):
    decls, declared = [], set()

    def strip(stmts):
        out = []
        for s in stmts:
            if isinstance(s, (ast.Global, ast.Nonlocal)):
                decls.append(s)
                declared.update(s.names)
                continue
            for owner, field in ([] if isinstance(s, _SCOPES) else _stmt_blocks(s)):
                setattr(owner, field, strip(getattr(owner, field)) or [ast.Pass()])
            out.append(s)
        return out
    fn.body = strip(fn.body) or [ast.Pass()]
    return decls, declared


# -- guarding after a flag -------------------------------------------------------------------------
def _always(stmts, flag):
    return any(_always_stmt(s, flag) for s in stmts)


def _always_stmt(s, flag):
    if _is_flag_set(s, flag) or isinstance(s, (ast.Raise, ast.Return)):
        return True
    if isinstance(s, ast.If):
        return _always(s.body, flag) and _always(s.orelse, flag)
    if isinstance(s, (ast.With, ast.AsyncWith)):
        return _always(s.body, flag)
    if isinstance(s, _TRY):
        return _always(s.finalbody, flag) or (
            _always(s.body, flag) and all(_always(h.body, flag) for h in s.handlers))
    return False


def _sets(s, flag):
    return any(_is_flag_set(n, flag) for n in _walk_local(s))


def _guard(stmts, flag, loops=False):
    """Makes the statements after one that may set `flag` run only while it is unset."""
    out = []
    for i, s in enumerate(stmts):
        rest = stmts[i + 1:]
        if not _sets(s, flag):
            out.append(s)
            continue
        if isinstance(s, ast.If) and rest:
            body_always, else_always = _always(s.body, flag), _always(s.orelse, flag)
            if body_always and not else_always:
                s.body = _guard(s.body, flag, loops)
                s.orelse = _guard(s.orelse + rest, flag, loops)
                out.append(s)
                return out
            if else_always and not body_always:
                s.orelse = _guard(s.orelse, flag, loops)
                s.body = _guard(s.body + rest, flag, loops)
                out.append(s)
                return out
        if isinstance(s, (ast.While, ast.For)):
            if loops:
                s.body = _guard(s.body, flag, loops)
                if isinstance(s, ast.While):
                    s.test = ast.BoolOp(op=ast.And(), values=[_not(flag), s.test])
                else:
                    s._ag_extra_tests = getattr(s, "_ag_extra_tests", []) + [_not(flag)]
        else:
            for owner, field in _stmt_blocks(s):
                setattr(owner, field, _guard(getattr(owner, field), flag, loops))
        out.append(s)
        if rest and not _always_stmt(s, flag):
            guard = ast.If(test=_not(flag), body=_guard(rest, flag, loops), orelse=[])
            out.append(ast.copy_location(guard, rest[0]))
        return out
    return out


def _replace_jumps(stmts, jump_type, flag):
    """Replaces `break` / `continue` (not inside nested loops) with `flag = True`."""
    out = []
    for s in stmts:
        if isinstance(s, jump_type):
            out.append(ast.copy_location(_assign(flag, _const(True)), s))
            return out          # the rest of the block is unreachable
        if not isinstance(s, (ast.While, ast.For, ast.AsyncFor) + _SCOPES):
            for owner, field in _stmt_blocks(s):
                setattr(owner, field, _replace_jumps(getattr(owner, field), jump_type, flag)
                        or [ast.Pass()])
        out.append(s)
    return out


def _drop_unused_flag(stmts, flag):
    """Removes the assignments to `flag` when nothing reads it (guards that became `else`
    branches need no flag)."""
    if any(isinstance(n, ast.Name) and n.id == flag and isinstance(n.ctx, ast.Load)
           for n in _walk_stmts(stmts)):
        return stmts

    def strip(block):
        out = []
        for s in block:
            if isinstance(s, ast.Assign) and len(s.targets) == 1 and \
                    isinstance(s.targets[0], ast.Name) and s.targets[0].id == flag:
                continue
            if not isinstance(s, _SCOPES):
                for owner, field in _stmt_blocks(s):
                    setattr(owner, field, strip(getattr(owner, field)) or [ast.Pass()])
            out.append(s)
        return out
    return strip(stmts)


def _has_jump(stmts, jump_type):
    for s in stmts:
        if isinstance(s, jump_type):
            return True
        if isinstance(s, (ast.While, ast.For, ast.AsyncFor) + _SCOPES):
            continue
        for owner, field in _stmt_blocks(s):
            if _has_jump(getattr(owner, field), jump_type):
                return True
    return False


# -- pass 2: loops ---------------------------------------------------------------------------------
def _is_set_loop_options(s):
    if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Call)):
        return False
    f = s.value.func
    name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", None)
    return name == "set_loop_options"


class _Namer:
    def __init__(self, used):
        self.used = set(used)
        self.n = 0

    def next(self):
        self.n += 1
        return self.n

    def fresh(self, base):
        name, i = base, 1
        while name in self.used:
            i += 1
            name = f"{base}_{i}"
        self.used.add(name)
        return name


def _lower_loops(stmts, namer):
    out = []
    for s in stmts:
        if isinstance(s, (ast.While, ast.For)):
            s.body = _lower_loops(s.body, namer)
            out.extend(_lower_loop(s, namer))
            continue
        if not isinstance(s, _SCOPES):
            for owner, field in _stmt_blocks(s):
                setattr(owner, field, _lower_loops(getattr(owner, field), namer))
        out.append(s)
    return out


def _lower_loop(loop, namer):
    loop._ag_opts = None
    if loop.body and _is_set_loop_options(loop.body[0]):
        loop._ag_opts = loop.body[0].value
        loop.body = loop.body[1:] or [ast.Pass()]
    loop._ag_extra_tests = []
    loop._ag_has_orelse = bool(loop.orelse)
    pre, post = [], list(loop.orelse)
    loop.orelse = []
    n = namer.next()
    if _has_jump(loop.body, ast.Continue):
        flag = namer.fresh(f"continue_{n}")
        body = _guard(_replace_jumps(loop.body, ast.Continue, flag), flag)
        loop.body = _drop_unused_flag(
            [ast.copy_location(_assign(flag, _const(False)), loop)] + body, flag)
    if _has_jump(loop.body, ast.Break):
        flag = namer.fresh(f"break_{n}")
        loop.body = _guard(_replace_jumps(loop.body, ast.Break, flag), flag)
        pre = [ast.copy_location(_assign(flag, _const(False)), loop)]
        if isinstance(loop, ast.While):
            loop.test = ast.BoolOp(op=ast.And(), values=[_not(flag), loop.test])
        else:
            loop._ag_extra_tests.append(_not(flag))
        if post:
            post = [ast.copy_location(ast.If(test=_not(flag), body=post, orelse=[]), post[0])]
    return pre + [loop] + post


# -- pass 3: returns -------------------------------------------------------------------------------
def _replace_returns(stmts):
    out = []
    for s in stmts:
        if isinstance(s, ast.Return):
            value = s.value if s.value is not None else _const(None)
            out.append(ast.copy_location(_assign(RETVAL, value), s))
            out.append(ast.copy_location(_assign(DO_RETURN, _const(True)), s))
            return out
        if not isinstance(s, _SCOPES):
            for owner, field in _stmt_blocks(s):
                setattr(owner, field, _replace_returns(getattr(owner, field)) or [ast.Pass()])
        out.append(s)
    return out


def _lower_returns(fn):
    returns = [n for n in _walk_stmts(fn.body) if isinstance(n, ast.Return)]
    if not returns or (len(returns) == 1 and fn.body[-1] is returns[0]):
        return
    body = _guard(_replace_returns(fn.body), DO_RETURN, loops=True)
    first = fn.body[0]
    fn.body = _drop_unused_flag(
        _located([_assign(DO_RETURN, _const(False)),
                  _assign(RETVAL, _call(_ag("UndefinedReturnValue")))], first) + body,
        DO_RETURN) + \
        _located([ast.Return(value=_call(_ag("retval"), [_name(RETVAL)]))], fn.body[-1])


# -- pass 4: expressions ---------------------------------------------------------------------------
def _simple(e):
    return isinstance(e, (ast.Name, ast.Constant)) or (
        isinstance(e, ast.Attribute) and _simple(e.value))


class _Expressions(ast.NodeTransformer):
    """Rewrites the expressions of one scope (nested function bodies are left to their own
    run; their decorators and defaults, evaluated in this scope, are rewritten)."""

    def __init__(self, src, recursive, first_arg):
        self.src = src
        self.recursive = recursive
        self.first_arg = first_arg

    def visit_FunctionDef(self, node):
        node.decorator_list = [self.visit(d) for d in node.decorator_list]
        node.args = self.visit(node.args)
        return node

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node):
        return node

    def visit_For(self, node):
        self.generic_visit(node)
        node._ag_extra_tests = [self.visit(e) for e in getattr(node, "_ag_extra_tests", [])]
        if getattr(node, "_ag_opts", None) is not None:
            node._ag_opts = self.visit(node._ag_opts)
        return node

    def visit_While(self, node):
        self.generic_visit(node)
        if getattr(node, "_ag_opts", None) is not None:
            node._ag_opts = self.visit(node._ag_opts)
        return node

    def visit_BoolOp(self, node):
        self.generic_visit(node)
        op = "and_" if isinstance(node.op, ast.And) else "or_"
        return ast.copy_location(_call(_ag(op), [_inline_lambda(v) for v in node.values]), node)

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.Not):
            return ast.copy_location(_call(_ag("not_"), [node.operand]), node)
        return node

    def visit_IfExp(self, node):
        self.generic_visit(node)
        return ast.copy_location(_call(_ag("if_exp"), [
            node.test, _inline_lambda(node.body), _inline_lambda(node.orelse)]), node)

    def visit_Compare(self, node):
        self.generic_visit(node)
        if len(node.ops) < 2 or not all(_simple(c) for c in node.comparators[:-1]):
            return node
        left, parts = node.left, []
        for op, right in zip(node.ops, node.comparators):
            parts.append(ast.Compare(left=left, ops=[op], comparators=[right]))
            left = right
        return ast.copy_location(_call(_ag("and_"), [_inline_lambda(p) for p in parts]), node)

    def visit_Call(self, node):
        self.generic_visit(node)
        f = node.func
        if isinstance(f, ast.Name) and f.id == "super" and not node.args and not node.keywords \
                and self.first_arg is not None:
            node.args = [_name("__class__"), _name(self.first_arg)]
            return node
        if isinstance(f, ast.Name) and f.id in _NO_WRAP:
            return node
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == AG:
            return node
        if not self.recursive:
            return node
        args = ast.Tuple(elts=list(node.args), ctx=ast.Load())
        kwargs = _const(None)
        if node.keywords:
            kwargs = ast.Dict(keys=[_const(k.arg) if k.arg is not None else None
                                    for k in node.keywords],
                              values=[k.value for k in node.keywords])
        return ast.copy_location(_call(_ag("converted_call"), [f, args, kwargs]), node)

    def visit_Assert(self, node):
        self.generic_visit(node)
        msg = _inline_lambda(node.msg) if node.msg is not None else _const(None)
        call = _call(_ag("assert_stmt"), [node.test, msg],
                     [_kw("line", _const(self.src.line(node)))])
        return ast.copy_location(ast.Expr(value=call), node)


# -- pass 5: liveness ------------------------------------------------------------------------------
class _Liveness:
    """Backward data flow over a scope's statements. Annotates `if` nodes with `_ag_live_out`
    and `_ag_live_in` (read at the start of either branch), loops with `_ag_live_out` and
    `_ag_live_head` (read at the loop head: by the test, the body or after the loop)."""

    def block(self, stmts, live_after):
        live = set(live_after)
        for s in reversed(stmts):
            live = self.stmt(s, live)
        return live

    def stmt(self, s, la):
        if isinstance(s, ast.If):
            lb, lo = self.block(s.body, la), self.block(s.orelse, la)
            s._ag_live_out, s._ag_live_in = set(la), lb | lo
            return _loads(s.test) | lb | lo
        if isinstance(s, ast.While):
            exit_ = self.block(s.orelse, la)
            head = _loads(s.test) | exit_
            while True:
                new = _loads(s.test) | exit_ | self.block(s.body, head)
                if new == head:
                    break
                head = new
            s._ag_live_out, s._ag_live_head = set(la), head
            return head
        if isinstance(s, ast.For):
            exit_ = self.block(s.orelse, la)
            extra = set()
            for e in getattr(s, "_ag_extra_tests", []):
                extra |= _loads(e)
            targets = set(_target_names(s.target))
            head = exit_ | extra
            while True:
                new = exit_ | extra | (self.block(s.body, head) - targets)
                if new == head:
                    break
                head = new
            s._ag_live_out, s._ag_live_head = set(la), head
            return _loads(s.iter) | _loads(s.target) | head | _loads(getattr(s, "_ag_opts", None))
        if isinstance(s, _TRY):
            lf = self.block(s.finalbody, la)
            handlers = set()
            for h in s.handlers:
                handlers |= self.block(h.body, lf) | _loads(h.type)
            le = self.block(s.orelse, lf)
            return self.block(s.body, le | handlers) | handlers | lf
        if isinstance(s, (ast.With, ast.AsyncWith)):
            defs = set()
            uses = set()
            for item in s.items:
                uses |= _loads(item.context_expr)
                if item.optional_vars is not None:
                    defs |= set(_target_names(item.optional_vars))
            return uses | (self.block(s.body, la) - defs)
        if _MATCH and isinstance(s, _MATCH):
            live = set(la) | _loads(s.subject)
            for c in s.cases:
                live |= self.block(c.body, la) | _loads(c.pattern) | _loads(c.guard)
            return live
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return (la - {s.name}) | _loads(s)
        return (la - set(_assigned([s]))) | _loads(s)


def _captured(fn_body):
    """Names read inside nested functions and lambdas (not AutoGraph's inline lambdas): such
    closures may read a variable at any later time, so it is treated as always live."""
    out = set()
    for n in _walk_stmts(fn_body):
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) and \
                not getattr(n, "_ag_inline", False):
            out |= _loads(n)
        elif isinstance(n, ast.Lambda):
            out |= _captured([ast.Expr(value=n.body)])
    return out


# -- pass 6: control flow --------------------------------------------------------------------------
class _ControlFlow:
    """Turns `if` / `while` / `for` statements into operator calls (see the module docstring),
    threading through each scope the set of variables definitely assigned so far."""

    def __init__(self, src, namer, always_live, convert_nested):
        self.src = src
        self.namer = namer
        self.always_live = always_live
        self.convert_nested = convert_nested
        self.undefined = set()      # every variable given an Undefined marker, for ld()

    def block(self, stmts, defined, inits):
        out = []
        for s in stmts:
            out.extend(self.stmt(s, defined, inits))
        return out

    def stmt(self, s, defined, inits):
        if isinstance(s, ast.If):
            return self._if(s, defined, inits)
        if isinstance(s, ast.While):
            return self._while(s, defined, inits)
        if isinstance(s, ast.For):
            return self._for(s, defined, inits)
        if isinstance(s, ast.FunctionDef):
            defined.add(s.name)
            return [self.convert_nested(s)]
        if isinstance(s, (ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(s.name)
            return [s]
        if isinstance(s, (ast.With, ast.AsyncWith)):
            for item in s.items:
                if item.optional_vars is not None:
                    defined.update(_target_names(item.optional_vars))
            s.body = self.block(s.body, defined, inits)
            return [s]
        if isinstance(s, _TRY):
            d_body = set(defined)
            s.body = self.block(s.body, d_body, inits)
            s.orelse = self.block(s.orelse, d_body, inits)
            after = d_body
            for h in s.handlers:
                d_h = set(defined) | ({h.name} if h.name else set())
                h.body = self.block(h.body, d_h, inits)
                after = after & d_h
            d_final = set(defined)
            s.finalbody = self.block(s.finalbody, d_final, inits)
            defined |= after | d_final
            return [s]
        if _MATCH and isinstance(s, _MATCH):
            for c in s.cases:
                c.body = self.block(c.body, set(defined), inits)
            return [s]
        defined.update(_assigned([s]))
        return [s]

    # -- helpers ------------------------------------------------------------------------------
    def _state(self, modified, live):
        live = live | self.always_live
        return [v for v in modified if v in live]

    def _need(self, state, defined, inits):
        for v in state:
            if v not in defined:
                inits[v] = None
                self.undefined.add(v)

    def _function(self, name, params, stmts, returns, prologue=()):
        inner_defined = set(params)
        inner_inits = {}
        body = self.block(list(prologue) + list(stmts), inner_defined, inner_inits)
        head = [_assign(v, _call(_ag("Undefined"), [_const(v)])) for v in inner_inits
                if v not in params]
        ret = ast.Return(value=_tuple(returns))
        fn = _def(name, params, head + body + [ret])
        return fn

    def _site(self, state, call):
        if state:
            return ast.Assign(targets=[_tuple(state, ast.Store)], value=call)
        return ast.Expr(value=call)

    def _flags(self, stmts):
        kws = []
        if _contains(stmts, _TRY):
            kws.append(_kw("has_try", _const(True)))
        return kws

    # -- statements ---------------------------------------------------------------------------
    def _if(self, node, defined, inits):
        mod_body, mod_else = _assigned(node.body), _assigned(node.orelse)
        modified = list(dict.fromkeys(mod_body + mod_else))
        state = self._state(modified, node._ag_live_out | node._ag_live_in)
        self._need(state, defined, inits)
        n = self.namer.next()
        body_name = self.namer.fresh(f"if_body_{n}")
        out = [self._function(body_name, state, node.body, state)]
        else_ref = _const(None)
        if node.orelse:
            else_name = self.namer.fresh(f"else_body_{n}")
            out.append(self._function(else_name, state, node.orelse, state))
            else_ref = _name(else_name)
        kws = [_kw("line", _const(self.src.line(node)))]
        only_body = [v for v in state if v in mod_body and v not in mod_else]
        only_else = [v for v in state if v in mod_else and v not in mod_body]
        if only_body:
            kws.append(_kw("only_body", _strs(only_body)))
        if only_else:
            kws.append(_kw("only_orelse", _strs(only_else)))
        kws += self._flags(node.body + node.orelse)
        call = _call(_ag("if_stmt"), [node.test, _name(body_name), else_ref, _tuple(state),
                                      _strs(state)], kws)
        out.append(self._site(state, call))
        defined.update(state)
        return _located(out, node)

    def _loop_kws(self, node):
        kws = [_kw("line", _const(self.src.line(node)))]
        if getattr(node, "_ag_opts", None) is not None:
            kws.append(_kw("opts", node._ag_opts))
        if getattr(node, "_ag_has_orelse", False):
            kws.append(_kw("has_orelse", _const(True)))
        return kws + self._flags(node.body)

    def _while(self, node, defined, inits):
        modified = _assigned(node.body)
        state = self._state(modified, node._ag_live_head | node._ag_live_out)
        self._need(state, defined, inits)
        n = self.namer.next()
        test_name = self.namer.fresh(f"loop_test_{n}")
        body_name = self.namer.fresh(f"loop_body_{n}")
        test_fn = _def(test_name, state, [ast.Return(value=node.test)])
        body_fn = self._function(body_name, state, node.body, state)
        call = _call(_ag("while_stmt"), [_name(test_name), _name(body_name), _tuple(state),
                                         _strs(state)], self._loop_kws(node))
        out = [test_fn, body_fn, self._site(state, call)]
        defined.update(state)
        return _located(out, node)

    def _for(self, node, defined, inits):
        targets = _target_names(node.target)
        modified = list(dict.fromkeys(targets + _assigned(node.body)))
        state = self._state(modified, node._ag_live_head | node._ag_live_out)
        self._need(state, defined, inits)
        n = self.namer.next()
        body_name = self.namer.fresh(f"loop_body_{n}")
        item = self.namer.fresh(f"itr_{n}")
        prologue = [ast.copy_location(ast.Assign(targets=[node.target], value=_name(item)),
                                      node)]
        out = [self._function(body_name, [item] + state, node.body, state, prologue)]
        kws = []
        tests = getattr(node, "_ag_extra_tests", [])
        if tests:
            test_name = self.namer.fresh(f"extra_test_{n}")
            expr = tests[0] if len(tests) == 1 else _call(
                _ag("and_"), [_inline_lambda(t) for t in tests])
            out.append(_def(test_name, state, [ast.Return(value=expr)]))
            kws.append(_kw("extra_test", _name(test_name)))
        call = _call(_ag("for_stmt"), [node.iter, _name(body_name), _tuple(state),
                                       _strs(state)], kws + self._loop_kws(node))
        out.append(self._site(state, call))
        defined.update(state)
        return _located(out, node)


class _LoadUndefined(ast.NodeTransformer):
    """Wraps the user's reads of possibly-undefined variables in `ag__.ld(...)`."""

    def __init__(self, names):
        self.names = names

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load) and node.id in self.names and \
                not getattr(node, "_ag_gen", False):
            return ast.copy_location(_call(_ag("ld"), [node]), node)
        return node

    def visit_FunctionDef(self, node):
        if getattr(node, "_ag_gen", False):
            self.generic_visit(node)
        return node

    def visit_ClassDef(self, node):
        return node

    visit_AsyncFunctionDef = visit_ClassDef


# -- driver ----------------------------------------------------------------------------------------
def _params(args):
    names = [a.arg for a in args.posonlyargs + args.args]
    if args.vararg:
        names.append(args.vararg.arg)
    names += [a.arg for a in args.kwonlyargs]
    if args.kwarg:
        names.append(args.kwarg.arg)
    return names


def convert_function(fn, src, recursive=True, top=True, namer=None):
    """Rewrites the FunctionDef `fn` in place (see the module docstring) and returns it.

    `src` locates the code for messages; `recursive` wraps calls in `ag__.converted_call`.
    Raises ConversionError for constructs that cannot be converted.
    """
    if not top and _is_generator(fn):
        return fn           # a nested generator stays Python (it only runs as an iterator)
    _check(fn, src, top)
    if namer is None:
        used = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name)}
        used |= {a.arg for a in ast.walk(fn) if isinstance(a, ast.arg)}
        namer = _Namer(used | {AG, DO_RETURN, RETVAL})
    decls, declared = _hoist_declarations(fn)
    fn.body = _lower_loops(fn.body, namer)
    _lower_returns(fn)
    params = _params(fn.args)
    first = (fn.args.posonlyargs + fn.args.args)[0].arg if (
        fn.args.posonlyargs or fn.args.args) else None
    exprs = _Expressions(src, recursive, first)
    fn.body = [exprs.visit(s) for s in fn.body]
    always = declared | _captured(fn.body)
    _Liveness().block(fn.body, always)

    def nested(node):
        return convert_function(node, src, recursive, top=False, namer=namer)
    cf = _ControlFlow(src, namer, always, nested)
    defined = set(params) | declared
    inits = {}
    body = cf.block(fn.body, defined, inits)
    head = [_assign(v, _call(_ag("Undefined"), [_const(v)])) for v in inits
            if v not in params and v not in declared]
    fn.body = decls + _located(head, fn) + body if head else decls + body
    if cf.undefined:
        loader = _LoadUndefined(cf.undefined)
        fn.body = [loader.visit(s) for s in fn.body]
    ast.fix_missing_locations(fn)
    return fn


def lambda_to_function(lam, name):
    """A FunctionDef equivalent to the Lambda node `lam`, so it can be converted."""
    fn = ast.FunctionDef(name=name, args=lam.args, body=[ast.Return(value=lam.body)],
                         decorator_list=[], returns=None, type_params=[])
    return ast.fix_missing_locations(ast.copy_location(fn, lam))
