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
* no globals (no ``range``), an allow-list of filters, ``*``/``**``/``%`` checked before
  they run, the output capped at :data:`MAX_OUTPUT` characters and the run at
  ``TANDEM_DOCUMENTS_RENDER_SECONDS`` seconds.

The literal text of the template is escaped too: the result is safe HTML, paragraphs
for blank lines and ``<br>`` for line breaks, fit for the PDF and the preview page.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterator, Mapping
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
    intercepted_binops = frozenset({"*", "**", "%", "//"})

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


def _environment() -> _Sandbox:
    env = _Sandbox(autoescape=True, undefined=_Missing, loader=None, keep_trailing_newline=True)
    env.globals.clear()  # no range(), lipsum(), dict(), cycler(), joiner(), namespace()
    env.filters = {name: f for name, f in env.filters.items() if name in ALLOWED_FILTERS}
    return env


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
    """The template's text, escaped, with the merge fields filled in."""
    seconds = float(getattr(settings, "TANDEM_DOCUMENTS_RENDER_SECONDS", 2.0))
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
