"""Render a user-edited template in a sandbox.

The body of a :class:`~tandem.core.documents.models.DocumentTemplate` is plain text with
Jinja merge fields (``{{ partner.name }}``) and simple logic (``{% if %}``, ``{% for %}``).
It is written by administrators and sales managers, so it is treated as untrusted:

* Jinja's ``ImmutableSandboxedEnvironment`` with autoescape and no loader, so nothing can
  be included, imported or extended (no file is ever read);
* the template is checked before it runs: includes, imports, macros, function or method
  calls and ``{% autoescape %}`` switches are refused with their line number, and loops
  may nest at most :data:`MAX_LOOP_DEPTH` deep;
* the context holds only plain dicts of strings built by :mod:`.merge` — never a model
  instance — and attribute access reaches dict keys and nothing else (no methods, no
  ``__class__``); an unknown field is an error naming it (StrictUndefined);
* no globals (no ``range``), an allow-list of filters, ``*``/``**``/``%``/``+`` checked
  before they run, the filters that can grow a value (``replace``, ``join``, ``sum``) sized
  before they run and every filter's result capped at :data:`MAX_OUTPUT`, the output capped
  at :data:`MAX_OUTPUT` characters and the run at ``TANDEM_DOCUMENTS_RENDER_SECONDS``;
* and, because a value can still grow by other means (``{% set a = a ~ a %}`` repeated, a
  long C call the clock cannot interrupt), each render runs in a forked child process limited
  to :data:`RENDER_MEMORY_MB` more memory and the time limit, killed if it overruns.

The literal text of the template is escaped too: the result is safe HTML, paragraphs
for blank lines and ``<br>`` for line breaks, fit for the PDF and the preview page.
"""

from __future__ import annotations

import json
import math
import os
import re
import resource
import select
import signal
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import FrameType, TracebackType
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from jinja2 import StrictUndefined, Undefined, nodes
from jinja2.exceptions import SecurityError, TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.runtime import LoopContext
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import missing
from markupsafe import Markup, escape

from tandem.core.errors import BusinessError

MAX_SOURCE = 20_000
MAX_OUTPUT = 100_000
MAX_LOOP_DEPTH = 2
MAX_EXPONENT = 64
MAX_INTEGER_BITS = 4096
RENDER_MEMORY_MB = 256  # more than the process had when the child was forked

# Filters a template may use; everything else (``safe``, ``format``, ``center``, ``indent``,
# ``tojson``, ``xmlattr``, ``random``, ``attr``…) is not offered.
ALLOWED_FILTERS = {
    "abs", "capitalize", "count", "d", "default", "dictsort", "e", "escape", "first", "float",
    "groupby", "int", "join", "last", "length", "list", "lower", "map", "max", "min", "reject",
    "rejectattr", "replace", "reverse", "round", "select", "selectattr", "slice", "sort", "string",
    "sum", "title", "trim", "truncate", "unique", "upper", "wordcount",
}  # fmt: skip

# Statements refused before the template runs, with what a person is told.
FORBIDDEN_NODES: list[tuple[type[nodes.Node], Any]] = [
    (nodes.Include, gettext_lazy("Including other templates is not allowed.")),
    (nodes.Import, gettext_lazy("Importing templates is not allowed.")),
    (nodes.FromImport, gettext_lazy("Importing templates is not allowed.")),
    (nodes.Extends, gettext_lazy("Extending other templates is not allowed.")),
    (nodes.Block, gettext_lazy("Blocks are not allowed.")),
    (nodes.Macro, gettext_lazy("Macros are not allowed.")),
    (nodes.CallBlock, gettext_lazy("Macros are not allowed.")),
    (nodes.Call, gettext_lazy("Calling functions or methods is not allowed; use the merge fields.")),
    (nodes.EvalContextModifier, gettext_lazy("Switching escaping off is not allowed.")),
    (nodes.ScopedEvalContextModifier, gettext_lazy("Switching escaping off is not allowed.")),
]


class TemplateFailed(BusinessError):
    """The template cannot be rendered: its message names the problem and the line."""

    code = "document-template"

    def __init__(self, message: str, *, line: int | None = None, field: str | None = "body") -> None:
        text = _("Line %(line)d: %(message)s") % {"line": line, "message": message} if line else message
        super().__init__(text, field=field, line=line)
        self.line = line
        self.reason = message


class Group(dict[str, Any]):
    """A group of merge fields (``partner``, ``company``…): a dict that knows its name."""

    def __init__(self, path: str, values: Mapping[str, Any]) -> None:
        super().__init__(values)
        self.path = path


class _Missing(StrictUndefined):
    """An unknown merge field: any use of it is an error that names it."""

    @property
    def _undefined_message(self) -> str:
        name = self._undefined_name
        if isinstance(self._undefined_obj, Undefined):  # x.y where x is unknown: name x
            return self._undefined_obj._undefined_message
        if self._undefined_obj is missing:
            return _("“%(name)s” is not a merge field.") % {"name": name}
        if isinstance(self._undefined_obj, Group):
            return _("“%(name)s” is not a merge field.") % {"name": f"{self._undefined_obj.path}.{name}"}
        return _("“%(name)s” cannot be used here; only the offered merge fields can.") % {"name": name}


class _TooMuch(SecurityError):
    pass


class _Sandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "%", "//", "+"})

    def getattr(self, obj: Any, attribute: str) -> Any:
        """``x.name`` reaches a dict key, a loop's counters, and nothing else."""
        if isinstance(obj, Mapping):
            return obj[attribute] if attribute in obj else self.undefined(obj=obj, name=attribute)
        if isinstance(obj, LoopContext) and not attribute.startswith("_"):
            return super().getattr(obj, attribute)
        return self.undefined(obj=obj, name=attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if isinstance(obj, Mapping):
            return obj[argument] if argument in obj else self.undefined(obj=obj, name=str(argument))
        if isinstance(obj, list | tuple | str) and isinstance(argument, int | slice):
            try:
                return obj[argument]
            except IndexError:
                return self.undefined(obj=obj, name=str(argument))
        return self.undefined(obj=obj, name=str(argument))

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        integers = operator in ("+", "*") and _is_integer(left) and _is_integer(right)
        if integers and left.bit_length() + right.bit_length() > MAX_INTEGER_BITS:  # C, yet minutes long
            raise _TooMuch(_("The number is too large."))
        if operator == "+":
            if _is_sized(left) and _is_sized(right):
                _check_size(len(left) + len(right))
            return left + right
        if operator == "*":
            for sized, times in ((left, right), (right, left)):
                sequence = isinstance(sized, str | list | tuple) and isinstance(times, int)
                if sequence and len(sized) * max(times, 0) > MAX_OUTPUT:
                    raise _TooMuch(_("The result would be too long."))
            return left * right
        if operator == "**":
            if not isinstance(right, int | float) or abs(right) > MAX_EXPONENT:
                raise _TooMuch(_("The exponent is too large."))
            if isinstance(left, int | float) and abs(left) > 10**12:
                raise _TooMuch(_("The number is too large."))
            return left**right
        if isinstance(left, str):  # "%" on text is printf-style formatting: not offered
            raise _TooMuch(_("Formatting text with “%” is not allowed."))
        return left % right if operator == "%" else left // right


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_sized(value: Any) -> bool:
    return isinstance(value, str | list | tuple)


def _check_size(size: int) -> None:
    if size > MAX_OUTPUT:
        raise _TooMuch(_("The result would be too long."))


def _size_of(value: Any) -> int:
    return len(value) if _is_sized(value) else 0


def _replace(environment: Any, text: Any, old: Any, new: Any, count: int | None = None) -> Any:
    """``replace``, refused before it runs when its result would be too long."""
    source, old_text, new_text = str(text), str(old), str(new)
    found = source.count(old_text) if old_text else len(source) + 1
    if count is not None and count >= 0:
        found = min(found, count)
    _check_size(len(source) + found * (len(new_text) - len(old_text)))
    return _BUILTIN_FILTERS["replace"](environment, text, old, new, count)


def _join(context: Any, value: Any, separator: str = "", attribute: Any = None) -> Any:
    """``join``, refused before it runs when its result would be too long."""
    items = list(value)
    if attribute is None:
        _check_size(sum(len(str(item)) for item in items) + len(str(separator)) * max(len(items) - 1, 0))
    return _BUILTIN_FILTERS["join"](context, items, separator, attribute)


def _sum(environment: Any, iterable: Any, attribute: Any = None, start: Any = 0) -> Any:
    """``sum``, refused before it concatenates sequences into one too long."""
    items = list(iterable)
    if attribute is None and _is_sized(start):
        _check_size(_size_of(start) + sum(_size_of(item) for item in items))
    return _BUILTIN_FILTERS["sum"](environment, items, attribute, start)


def _capped(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """A filter whose result may be no longer than a document (as text or as a list)."""

    def capped(*args: Any, **kwargs: Any) -> Any:
        result = function(*args, **kwargs)
        if _is_sized(result):
            _check_size(len(result))
        return result

    for attribute in ("jinja_pass_arg", "__name__", "__doc__"):  # pass_context/pass_environment
        if hasattr(function, attribute):
            setattr(capped, attribute, getattr(function, attribute))
    return capped


_GROWING_FILTERS: dict[str, Callable[..., Any]] = {"replace": _replace, "join": _join, "sum": _sum}


def _environment() -> _Sandbox:
    env = _Sandbox(autoescape=True, undefined=_Missing, loader=None, keep_trailing_newline=True)
    env.globals.clear()  # no range(), lipsum(), dict(), cycler(), joiner(), namespace()
    filters = {}
    for name, function in env.filters.items():
        if name in ALLOWED_FILTERS:
            sized = _GROWING_FILTERS.get(name, function)
            if sized is not function:
                sized.jinja_pass_arg = function.jinja_pass_arg  # type: ignore[attr-defined]
            filters[name] = _capped(name, sized)
    env.filters = filters
    return env


_BUILTIN_FILTERS = dict(ImmutableSandboxedEnvironment().filters)
_ENV = _environment()


@dataclass(frozen=True)
class Compiled:
    source: str
    template: Any


def compile_template(source: str, *, field: str = "body") -> Compiled:
    """Parse and check a template; :class:`TemplateFailed` says what is wrong and where."""
    if len(source) > MAX_SOURCE:
        raise TemplateFailed(
            _("The template is too long (at most %(count)d characters).") % {"count": MAX_SOURCE},
            field=field,
        )
    try:
        tree = _ENV.parse(source)
    except TemplateSyntaxError as exc:
        raise TemplateFailed(_syntax_message(exc), line=exc.lineno, field=field) from None
    _check(tree, field=field)
    for data in tree.find_all(nodes.TemplateData):
        data.data = str(escape(data.data))  # the template's own text is plain text too
    try:
        code = _ENV.compile(tree)  # unknown filters and tests are found here
    except TemplateSyntaxError as exc:
        raise TemplateFailed(_syntax_message(exc), line=exc.lineno, field=field) from None
    return Compiled(source, _ENV.template_class.from_code(_ENV, code, _ENV.make_globals(None), None))


def _syntax_message(exc: TemplateSyntaxError) -> str:
    message = exc.message or ""
    for prefix, text in (
        ("no filter named", gettext_lazy("There is no filter “%(name)s”.")),
        ("no test named", gettext_lazy("There is no test “%(name)s”.")),
    ):
        if message.lower().startswith(prefix):
            name = message.split("'")[1] if message.count("'") >= 2 else message
            return str(text) % {"name": name}
    return _("The template has a syntax error: %(error)s") % {"error": message}


def _check(tree: nodes.Template, *, field: str) -> None:
    for node_type, message in FORBIDDEN_NODES:
        found = next(tree.find_all(node_type), None)
        if found is not None:
            raise TemplateFailed(str(message), line=found.lineno, field=field)
    for loop, depth in _loops(tree, 0):
        if depth > MAX_LOOP_DEPTH:
            raise TemplateFailed(
                _("Loops may be nested at most %(count)d deep.") % {"count": MAX_LOOP_DEPTH},
                line=loop.lineno,
                field=field,
            )


def _loops(node: nodes.Node, depth: int) -> Iterator[tuple[nodes.Node, int]]:
    for child in node.iter_child_nodes():
        if isinstance(child, nodes.For):
            yield child, depth + 1
            yield from _loops(child, depth + 1)
        else:
            yield from _loops(child, depth)


def render(
    compiled: Compiled, context: Mapping[str, Any], *, field: str = "body", limit: int = MAX_OUTPUT
) -> Markup:
    """The template's text, escaped, with the merge fields filled in (in a limited child process)."""
    seconds = float(getattr(settings, "TANDEM_DOCUMENTS_RENDER_SECONDS", 2.0))
    if not getattr(settings, "TANDEM_DOCUMENTS_RENDER_ISOLATED", True) or not hasattr(os, "fork"):
        return _render(compiled, context, field, limit, seconds)
    outcome = _in_child(lambda: _outcome(compiled, context, field, limit, seconds), seconds)
    if outcome is None:
        raise TemplateFailed(
            _("The template needed too much memory or time to render (at most %(seconds)s s).")
            % {"seconds": seconds},
            field=field,
        )
    if "failed" in outcome:
        raise TemplateFailed(outcome["failed"], line=outcome.get("line"), field=field)
    return Markup(outcome["text"])  # escaped by autoescape in the child


def _outcome(
    compiled: Compiled, context: Mapping[str, Any], field: str, limit: int, seconds: float
) -> dict[str, Any]:
    try:
        return {"text": str(_render(compiled, context, field, limit, seconds))}
    except TemplateFailed as failure:
        return {"failed": failure.reason, "line": failure.line}
    except MemoryError:
        return {"failed": _("The template needed too much memory to render.")}


def _in_child(work: Callable[[], dict[str, Any]], seconds: float) -> dict[str, Any] | None:
    """Run ``work`` in a forked child limited in memory and CPU; its result, or None if the
    child was killed or overran ``seconds`` (plus a second for the fork and the reply)."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child: measured by the tests from outside
        try:
            os.close(reader)
            _limit_this_process(seconds)
            os.write(writer, json.dumps(work()).encode())
        finally:
            os._exit(0)  # no cleanup: the parent's connections and files are not the child's
    os.close(writer)
    try:
        reply = _read_until(reader, time.monotonic() + seconds + 1.0)
    finally:
        os.close(reader)
        if reply is None:
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    return json.loads(reply) if reply else None


def _limit_this_process(seconds: float) -> None:
    extra = RENDER_MEMORY_MB * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (_virtual_size() + extra, resource.RLIM_INFINITY))
    cpu = math.ceil(seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))


def _virtual_size() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def _read_until(reader: int, deadline: float) -> bytes | None:
    """Everything the child writes until it closes the pipe; None past the deadline."""
    chunks: list[bytes] = []
    poller = select.poll()  # not select(): a busy server's descriptors pass 1,024
    poller.register(reader, select.POLLIN)
    while (left := deadline - time.monotonic()) > 0:
        if poller.poll(left * 1000):
            chunk = os.read(reader, 65536)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    return None


def _render(compiled: Compiled, context: Mapping[str, Any], field: str, limit: int, seconds: float) -> Markup:
    parts: list[str] = []
    size = 0
    try:
        with _deadline(seconds):
            for chunk in compiled.template.generate(dict(context)):
                size += len(chunk)
                if size > limit:
                    raise _TooMuch(
                        _("The document would be too long (at most %(count)d characters).") % {"count": limit}
                    )
                parts.append(chunk)
    except _Timeout:
        raise TemplateFailed(
            _("The template took too long to render (more than %(seconds)s s).") % {"seconds": seconds},
            field=field,
        ) from None
    except UndefinedError as exc:
        raise TemplateFailed(str(exc), line=_template_line(exc.__traceback__), field=field) from None
    except SecurityError as exc:
        raise TemplateFailed(str(exc), line=_template_line(exc.__traceback__), field=field) from None
    except (TemplateError, TypeError, ValueError, ArithmeticError, RecursionError) as exc:
        raise TemplateFailed(
            _("The template failed: %(error)s") % {"error": exc},
            line=_template_line(exc.__traceback__),
            field=field,
        ) from None
    return Markup("".join(parts))  # every part was escaped by autoescape


def render_text(
    source: str, context: Mapping[str, Any], *, field: str = "body", limit: int = MAX_OUTPUT
) -> Markup:
    return render(compile_template(source, field=field), context, field=field, limit=limit)


def printed_fields(source: str) -> list[tuple[str, ...]]:
    """The merge fields a template prints where nothing stands in for them when they are empty.

    Each item is a tuple of alternatives (``contact.name or partner.name`` gives both): the
    document shows a blank only when every one of them is empty. A field printed inside an
    ``{% if %}`` (or an ``… if … else …``) that tests it, or through ``default``, is left out:
    the template already says what to do when it is empty.
    """
    try:
        tree = _ENV.parse(source)
    except TemplateSyntaxError:
        return []
    found: list[tuple[str, ...]] = []
    for item in _printed(tree, frozenset()):
        if item not in found:
            found.append(item)
    return found


def _printed(node: nodes.Node, guarded: frozenset[str]) -> Iterator[tuple[str, ...]]:
    if isinstance(node, nodes.If):
        tested = guarded | _fields(node.test)
        for child in node.body:
            yield from _printed(child, tested)
        for child in [*node.elif_, *node.else_]:
            yield from _printed(child, guarded)
    elif isinstance(node, nodes.Output):
        for expression in node.nodes:
            if not isinstance(expression, nodes.TemplateData):
                yield from _printed_by(expression, guarded)
    else:
        for child in node.iter_child_nodes():
            yield from _printed(child, guarded)


def _printed_by(expression: nodes.Node, guarded: frozenset[str]) -> Iterator[tuple[str, ...]]:
    if isinstance(expression, nodes.Or):
        alternatives = tuple(sorted(_fields(expression) - guarded))
        if alternatives and len(alternatives) == len(_fields(expression)):
            yield alternatives
    elif isinstance(expression, nodes.CondExpr):
        yield from _printed_by(expression.expr1, guarded | _fields(expression.test))
        if expression.expr2 is not None:
            yield from _printed_by(expression.expr2, guarded)
    elif isinstance(expression, nodes.Filter) and expression.name in {"default", "d"}:
        return
    else:
        for field in sorted(_fields(expression) - guarded):
            yield (field,)


def _fields(node: nodes.Node) -> frozenset[str]:
    """``group.field`` for every merge field an expression reads."""
    found = {
        f"{attr.node.name}.{attr.attr}"
        for attr in ([node] if isinstance(node, nodes.Getattr) else []) + list(node.find_all(nodes.Getattr))
        if isinstance(attr.node, nodes.Name)
    }
    return frozenset(found)


def paragraphs(text: Markup) -> Markup:
    """Blank lines start a paragraph, single line breaks stay (the text is already escaped)."""
    blocks = [b.strip("\n") for b in re.split(r"\n\s*\n", str(text).replace("\r\n", "\n"))]
    html = "".join(f"<p>{block.replace(chr(10), '<br>')}</p>" for block in blocks if block.strip())
    return Markup(html)  # built from escaped text


def _template_line(tb: TracebackType | None) -> int | None:
    """The template line where a render error happened (Jinja rewrites the frames)."""
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


class _Timeout(BaseException):
    """Raised from the trace function; a BaseException so template code cannot swallow it."""


class _deadline:  # a context manager, named like one
    """Stop rendering after ``seconds``: a per-thread trace function checks the clock.

    Template code is plain Python bytecode, so every line it runs (a loop turn included)
    passes through the trace function. The tracer in place before (a debugger, coverage)
    is put back afterwards.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __enter__(self) -> None:
        self.previous = sys.gettrace()
        limit = time.monotonic() + self.seconds

        def trace(frame: FrameType, event: str, arg: Any) -> Any:
            if time.monotonic() > limit:
                raise _Timeout
            return trace

        sys.settrace(trace)

    def __exit__(self, *exc: object) -> None:
        sys.settrace(self.previous)
