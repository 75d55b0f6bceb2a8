"""Parses the generic op form (grammar.lark) back into IR.

The LALR parser builds IR while it reduces (no parse tree), keeping a scope of SSA names per region.
Every failure is a :class:`ParseError` with file:line:col, the source line and a caret.

Lark's LALR parser keeps its own stack, so text of any nesting parses without recursion; what is
built from it is then held to :mod:`tfc.limits` here, before anything walks it recursively or
allocates it: ops nested in at most ``MAX_REGION_DEPTH`` regions, locations at most
``MAX_LOCATION_DEPTH`` names deep, attributes and types at most ``MAX_ATTRIBUTE_DEPTH`` deep (arrays,
dictionaries, function types), tensor types (and so dense literals) of rank at most ``MAX_RANK``,
and dense constants of at most ``max_tensor_bytes()`` bytes (checked from the type, before
``np.full`` or ``bytes.fromhex`` runs).
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import numpy as np
from lark import Lark, Token, Transformer, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.exceptions import VisitError

from .attributes import (
    ArrayAttr,
    BoolAttr,
    DenseArrayAttr,
    DenseElementsAttr,
    DictAttr,
    DTypeAttr,
    FloatAttr,
    IntegerAttr,
    StringAttr,
    SymbolRefAttr,
    TypeAttr,
    UnitAttr,
)
from .diagnostics import ParseError
from .ir import MODULE_OP, Block, Module, Operation, Region
from .limits import MAX_ATTRIBUTE_DEPTH, MAX_LOCATION_DEPTH, MAX_RANK, MAX_REGION_DEPTH, nesting_depth, type_too_big
from .location import UNKNOWN, FileLineColLoc, NameLoc
from .strings import unquote
from .types import DType, FunctionType, ResourceType, TensorType, TokenType

_DIALECT_TYPES = {"!tfc.resource": ResourceType(), "!tfc.token": TokenType()}

# Human names for the grammar's terminals, used in "expected ..." messages.
_TERMINAL_NAMES = {
    "VALUE_ID": "an SSA value (%name)",
    "OP_NAME": 'an op name ("dialect.op")',
    "BLOCK_ID": "a block label (^bb0)",
    "TENSOR_TYPE": "a tensor type",
    "DIALECT_TYPE": "a dialect type (!tfc.token)",
    "ELEMENT_TYPE": "an element type (f32, i64...)",
    "BARE_ID": "an attribute name",
    "STRING": "a string",
    "INT": "an integer",
    "FLOAT": "a float",
    "HEX": "a hex literal",
    "SYMBOL_REF": "a symbol (@name)",
    "LPAR": "'('",
    "RPAR": "')'",
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "LSQB": "'['",
    "RSQB": "']'",
    "COMMA": "','",
    "COLON": "':'",
    "EQUAL": "'='",
    "LESSTHAN": "'<'",
    "MORETHAN": "'>'",
    "__ANON_0": "'->'",
}


class _SyntaxFailure(Exception):
    """Raised inside reductions with the offending token; turned into a ParseError by parse()."""

    def __init__(self, message: str, token: Token | None):
        super().__init__(message)
        self.message, self.token = message, token


def _fail(message: str, token: Token | None = None):
    raise _SyntaxFailure(message, token)


def parse_tensor_type(text: str, token: Token | None = None) -> TensorType:
    """``tensor<2x?xf32>`` → TensorType; the grammar's regex has already checked the shape."""
    body = text[len("tensor<") : -1]
    if body.startswith("*x"):
        return TensorType(_element_type(body[2:], token), None)
    dims_text, elem = _DIMS.match(body).groups()
    dims = dims_text.split("x")[:-1]
    if len(dims) > MAX_RANK:
        _fail(f"tensor type has rank {len(dims)}; tfc allows at most {MAX_RANK} dimensions", token)
    shape = tuple(None if d == "?" else int(d) for d in dims)
    for d in shape:
        if d is not None and d > _MAX_DIM:
            _fail(f"dimension {d} does not fit in a signed 64-bit integer", token)
    return TensorType(_element_type(elem, token), shape)


_MAX_DIM = 2**63 - 1


_DIMS = re.compile(r"((?:(?:\?|[0-9]+)x)*)(.*)")


def _element_type(text: str, token: Token | None = None) -> DType:
    try:
        return DType.from_text(text)
    except KeyError:
        _fail(f"unknown element type '{text}'", token)


def _unquote(token: Token, text: str | None = None) -> str:
    """The text of a string literal token; a bad escape is a syntax error at the token."""
    try:
        return unquote(str(token) if text is None else text)
    except ValueError as err:
        _fail(str(err), token)


class _Builder(Transformer):
    """Reduction callbacks: build types, attributes and ops bottom-up."""

    def reset(self, filename: str = "<string>") -> None:
        self.scopes: list[dict[str, object]] = [{}]
        self.filename = filename

    # ---- values and scopes
    def _define(self, token: Token, value) -> None:
        name = token[1:]
        for scope in self.scopes:
            if name in scope:
                _fail(f"redefinition of SSA value '%{name}'", token)
        self.scopes[-1][name] = value
        if not name.isdigit():
            value.name_hint = name

    def _lookup(self, token: Token):
        name = token[1:]
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        _fail(f"use of undefined value '%{name}'", token)

    def region_open(self, _children):
        self.scopes.append({})
        return None

    def block_arg(self, children):
        depth = nesting_depth(children[1])
        if depth > MAX_ATTRIBUTE_DEPTH:
            _fail(f"the type of '{children[0]}' nests function types {depth} deep; tfc allows at most {MAX_ATTRIBUTE_DEPTH}", children[0])
        return children[0], children[1]

    def block_args(self, children):
        block = Block([t for _, t in children])
        for (token, _), arg in zip(children, block.args):
            self._define(token, arg)
        return block

    def block_head(self, children):
        return children[1] if len(children) > 1 else Block()

    def labeled_block(self, children):
        block = children[0]
        for op in children[1:]:
            block.append(op)
        return block

    def region(self, children):
        self.scopes.pop()
        entry_ops = [c for c in children[1:] if isinstance(c, Operation)]
        blocks = [c for c in children[1:] if isinstance(c, Block)]
        if entry_ops or not blocks:
            entry = Block()
            for op in entry_ops:
                entry.append(op)
            blocks.insert(0, entry)
        return Region(blocks)

    def region_list(self, children):
        return list(children)

    def result_list(self, children):
        return ("results", list(children))

    def value_list(self, children):
        return ("operands", list(children))

    def operation(self, children):
        parts = {"results": [], "operands": [], "regions": [], "attrs": {}, "loc": None}
        name_token = None
        for child in children:
            if isinstance(child, Token) and child.type == "OP_NAME":
                name_token = child
                _check_depth(len(self.scopes) - 1, name_token)
                parts["loc"] = parts["loc"] or FileLineColLoc(self.filename, child.line, child.column)  # MLIR's default
            elif isinstance(child, tuple) and child[0] in ("results", "operands"):
                parts[child[0]] = child[1]
            elif isinstance(child, list):
                parts["regions"] = child
            elif isinstance(child, dict):
                parts["attrs"] = child
            elif isinstance(child, FunctionType):
                ftype = child
            else:
                parts["loc"] = child
        _check_nested_values(parts["attrs"], ftype, name_token)
        operands = [self._lookup(t) for t in parts["operands"]]
        if len(ftype.inputs) != len(operands):
            _fail(f"{name_token[1:-1]} has {len(operands)} operands but its type lists {len(ftype.inputs)}", name_token)
        for token, value, declared in zip(parts["operands"], operands, ftype.inputs):
            if value.type != declared:
                _fail(f"'{token}' has type {value.type} but is used as {declared}", token)
        if len(ftype.results) != len(parts["results"]):
            _fail(
                f"{name_token[1:-1]} defines {len(parts['results'])} values but its type lists {len(ftype.results)} results",
                name_token,
            )
        op = Operation(name_token[1:-1], operands, ftype.results, parts["attrs"], parts["regions"], parts["loc"])
        for token, result in zip(parts["results"], op.results):
            self._define(token, result)
        return op

    def start(self, children):
        return children[0]

    # ---- types
    def tensor_type(self, children):
        return parse_tensor_type(str(children[0]), children[0])

    def dialect_type(self, children):
        text = str(children[0])
        if text.startswith("!tfc.resource<"):
            return ResourceType(parse_tensor_type(text[len("!tfc.resource<") : -1]))
        if text not in _DIALECT_TYPES:
            _fail(f"unknown type '{text}' (expected !tfc.resource or !tfc.token)", children[0])
        return _DIALECT_TYPES[text]

    def type_list(self, children):
        return tuple(children)

    def paren_types(self, children):
        return children[0] if children else ()

    def function_type(self, children):
        inputs = children[0] if len(children) == 2 else ()
        results = children[-1]
        if not isinstance(results, tuple):
            results = (results,)
        return FunctionType(tuple(inputs), results)

    # ---- attributes
    def attr_dict(self, children):
        return dict(children)

    def attr_entry(self, children):
        return (children[0], children[1] if len(children) > 1 else UnitAttr())

    def attr_name(self, children):
        token = children[0]
        return _unquote(token) if token.type == "STRING" else str(token)

    def number_attr(self, children):
        token = children[0]
        dtype = _element_type(str(children[1]), children[1]) if len(children) > 1 else None
        return _number_attr(token, dtype)

    def true_attr(self, _children):
        return BoolAttr(True)

    def false_attr(self, _children):
        return BoolAttr(False)

    def unit_attr(self, _children):
        return UnitAttr()

    def string_attr(self, children):
        return StringAttr(_unquote(children[0]))

    def array_attr(self, children):
        return ArrayAttr(tuple(children))

    def dense_array_attr(self, children):
        dtype = _element_type(str(children[0]), children[0])
        values = children[1] if len(children) > 1 else []
        return DenseArrayAttr(dtype, tuple(_scalar(v, dtype, children[0]) for v in values))

    def number_list(self, children):
        return list(children)

    def dense_list(self, children):
        return _DenseList(children)

    def dense_hex(self, children):
        return ("hex", children[0])

    def complex_value(self, children):
        return ("complex", children[0], children[1])

    def dense_attr(self, children):
        ttype = parse_tensor_type(str(children[-1]), children[-1])
        body = children[0] if len(children) > 1 else None
        return _dense_attr(body, ttype, children[-1])

    def dense_resource_attr(self, children):
        if str(children[0]) == "__elided__":
            _fail("this constant was elided when printed (dense_resource<__elided__>): its values are not in the text; "
                  "print the IR with its constants whole (tfc lower/opt --print-constants-whole)", children[0])
        _fail(f"dense_resource<{children[0]}>: resource blobs are not supported (write the constant as dense<...>)", children[0])

    def symbol_attr(self, children):
        text = str(children[0])[1:]
        return SymbolRefAttr(_unquote(children[0], text) if text.startswith('"') else text)

    def type_attr(self, children):
        return TypeAttr(children[0])

    def dtype_attr(self, children):
        return DTypeAttr(_element_type(str(children[0])))

    def dict_attr(self, children):
        return DictAttr(tuple(sorted(children[0].items())))

    # ---- locations
    def location(self, children):
        return children[0]

    def unknown_loc(self, _children):
        return UNKNOWN

    def file_loc(self, children):
        return FileLineColLoc(_unquote(children[0]), int(children[1]), int(children[2]))

    def name_loc(self, children):
        child = children[1] if len(children) > 1 else None
        if isinstance(child, NameLoc) and len(child.chain()[0]) >= MAX_LOCATION_DEPTH:
            _fail(f"location nests more than {MAX_LOCATION_DEPTH} names; tfc allows at most {MAX_LOCATION_DEPTH}", children[0])
        return NameLoc(_unquote(children[0]), child)


def _check_nested_values(attrs: dict, ftype: FunctionType, name_token: Token) -> None:
    """Attributes and types nested too deeply to print, compare or hash are refused at their op,
    before the op's types are compared (lark built them without recursion; comparing would not)."""
    for key, value in attrs.items():
        depth = nesting_depth(value)
        if depth > MAX_ATTRIBUTE_DEPTH:
            _fail(f"attribute '{key}' nests arrays, dictionaries or function types {depth} deep; tfc allows at most {MAX_ATTRIBUTE_DEPTH}",
                  name_token)
    for t in ftype.inputs + ftype.results:
        depth = nesting_depth(t)
        if depth > MAX_ATTRIBUTE_DEPTH:
            _fail(f"a type in its signature nests function types {depth} deep; tfc allows at most {MAX_ATTRIBUTE_DEPTH}", name_token)


def _check_depth(depth: int, name_token: Token) -> None:
    """An op nested in too many regions is refused where it is, before anything walks the IR.

    Ops reduce innermost first, so the error waits for the outermost op past the limit (every deeper
    op is inside one): that is the one named, the first too deep in the text. Building the ops inside
    it first costs no recursion."""
    if depth == MAX_REGION_DEPTH + 1:
        _fail(f"op is nested in {depth} regions; tfc allows at most {MAX_REGION_DEPTH} (the module's and the function's included)",
              name_token)


class _DenseList(list):
    """A ``[...]`` of a dense literal that knows how deeply lists nest in it, so a literal nested
    deeper than any tensor type can be refused without walking it recursively."""

    def __init__(self, items):
        super().__init__(items)
        self.depth = 1 + max((item.depth for item in items if isinstance(item, _DenseList)), default=0)


def _number_attr(token: Token, dtype: DType | None):
    text = str(token)
    if dtype is None:
        dtype = DType.f64 if token.type == "FLOAT" else DType.i64
    if dtype is DType.bool and token.type != "FLOAT":
        return BoolAttr(bool(_int_of(token)))
    if dtype.is_float:
        return FloatAttr(_float_from_token(token, dtype), dtype)
    if dtype.is_int or dtype is DType.bool:
        if token.type == "FLOAT":
            _fail(f"expected an integer for type {dtype.value}, got {text}", token)
        return IntegerAttr(_int_of(token, dtype), dtype)
    _fail(f"a number attribute cannot have type {dtype.value}", token)


def _int_of(token: Token, dtype: DType | None = None) -> int:
    """The integer a decimal or hex token stands for; out of ``dtype``'s range is a syntax error."""
    text = str(token)
    value = int(text, 16) if token.type == "HEX" else int(text)
    if dtype is not None and dtype.is_int:
        info = np.iinfo(dtype.numpy)
        if not info.min <= value <= info.max:
            _fail(f"integer {text} is out of range for {dtype.value}", token)
    return value


def _float_from_token(token: Token, dtype: DType) -> float:
    text = str(token)
    if token.type == "HEX":
        size = dtype.numpy.itemsize
        bits = int(text, 16)
        if bits >= 1 << (8 * size):
            _fail(f"hex literal {text} does not fit {dtype.value}", token)
        return float(np.array(bits, dtype=f"u{size}").view(dtype.numpy))
    return float(text)


def _scalar(value, dtype: DType, where: Token):
    """One dense element from a number token, a bool attribute or a complex pair."""
    if isinstance(value, BoolAttr):
        if dtype is not DType.bool:
            _fail(f"boolean element in a {dtype.value} constant", where)
        return value.value
    if isinstance(value, tuple) and value[0] == "complex":
        if not dtype.is_complex:
            _fail(f"complex element in a {dtype.value} constant", value[1])
        part = DType.f32 if dtype is DType.c64 else DType.f64
        return complex(_float_from_token(value[1], part), _float_from_token(value[2], part))
    if not isinstance(value, Token):
        _fail(f"expected a number in a {dtype.value} constant", where)
    if dtype.is_float:
        return _float_from_token(value, dtype)
    if dtype.is_complex:
        return complex(float(str(value)))
    if value.type == "FLOAT":
        _fail(f"expected an integer for type {dtype.value}, got {value}", value)
    if dtype is DType.bool:
        return bool(_int_of(value))
    return _int_of(value, dtype)


def _dense_attr(body, ttype: TensorType, where: Token) -> DenseElementsAttr:
    if not ttype.is_static:
        _fail(f"dense constant needs a static type, got {ttype}", where)
    problem = type_too_big(ttype, "dense constant")
    if problem:
        _fail(problem, where)
    dtype = ttype.dtype
    if body is None:
        if ttype.num_elements != 0:
            _fail(f"empty dense constant for {ttype} with {ttype.num_elements} elements", where)
        return DenseElementsAttr(np.zeros(ttype.shape, dtype.numpy), ttype)
    if isinstance(body, tuple) and body[0] == "hex":
        text = _unquote(body[1])
        if not text.startswith("0x"):
            _fail("expected a hex string \"0x...\" in dense constant", body[1])
        try:
            raw = bytes.fromhex(text[2:])
        except ValueError:
            _fail("malformed hex string in dense constant", body[1])
        expected = ttype.num_elements * dtype.numpy.itemsize
        if len(raw) != expected:
            _fail(f"hex data has {len(raw)} bytes but {ttype} needs {expected}", body[1])
        array = np.frombuffer(raw, dtype=dtype.numpy.newbyteorder("<")).astype(dtype.numpy).reshape(ttype.shape)
        return DenseElementsAttr(array.copy(), ttype)
    if not isinstance(body, list):
        array = np.full(ttype.shape, _scalar(body, dtype, where), dtype=dtype.numpy)
        return DenseElementsAttr(array, ttype)
    if body.depth > MAX_RANK:  # checked before walking it: the depth bounds the recursion below
        _fail(f"dense literal nests {body.depth} lists deep; tensor types have at most {MAX_RANK} dimensions", where)
    shape = _nested_shape(body, where)
    if shape != ttype.shape:
        _fail(f"dense literal has shape {list(shape)} but its type is {ttype}", where)
    flat = _flatten(body)
    try:
        array = np.array([_scalar(v, dtype, where) for v in flat], dtype=dtype.numpy).reshape(ttype.shape)
    except OverflowError:
        _fail(f"value out of range for {dtype.value} in dense constant", where)
    return DenseElementsAttr(array, ttype)


def _nested_shape(body, where) -> tuple[int, ...]:
    if not isinstance(body, list):
        return ()
    if not body:
        return (0,)
    inner = [_nested_shape(b, where) for b in body]
    if any(s != inner[0] for s in inner):
        _fail("ragged nested list in dense constant", where)
    return (len(body),) + inner[0]


def _flatten(body) -> list:
    if not isinstance(body, list):
        return [body]
    return [x for b in body for x in _flatten(b)]


_GRAMMAR = (Path(__file__).parent / "grammar.lark").read_text()
_builder = _Builder()
_parser = Lark(_GRAMMAR, parser="lalr", lexer="contextual", transformer=_builder, propagate_positions=False)
_lock = threading.Lock()


def parse_op(text: str, filename: str = "<string>") -> Operation:
    """Parse one top-level op (usually ``builtin.module``) from generic-form text."""
    lines = text.splitlines()

    def error(message: str, line: int, col: int) -> ParseError:
        source = lines[line - 1] if 0 < line <= len(lines) else ""
        return ParseError(message, filename, line, col, source)

    with _lock:
        _builder.reset(filename)
        try:
            return _parser.parse(text)
        except _SyntaxFailure as failure:
            token = failure.token
            line, col = (token.line, token.column) if token is not None and token.line else (1, 1)
            raise error(failure.message, line, col) from None
        except VisitError as failure:  # a callback raised something else
            inner = failure.orig_exc
            if isinstance(inner, _SyntaxFailure):
                raise error(inner.message, 1, 1) from None
            raise
        except UnexpectedEOF as failure:
            last = len(lines) or 1
            raise error(f"unexpected end of input; expected {_expected(failure.expected)}", last, len(lines[-1]) + 1 if lines else 1) from None
        except UnexpectedToken as failure:
            found = "end of input" if failure.token.type == "$END" else f"'{failure.token}'"
            line = failure.line if failure.line > 0 else len(lines)
            col = failure.column if failure.column > 0 else 1
            raise error(f"unexpected {found}; expected {_expected(failure.expected)}", line, col) from None
        except UnexpectedCharacters as failure:
            char = text[failure.pos_in_stream] if failure.pos_in_stream < len(text) else ""
            allowed = failure.allowed or set()
            raise error(f"unexpected character {char!r}; expected {_expected(allowed)}", failure.line, failure.column) from None
        except UnexpectedInput as failure:
            raise error(str(failure).splitlines()[0], getattr(failure, "line", 1), getattr(failure, "column", 1)) from None


def _expected(terminals) -> str:
    names = sorted({_TERMINAL_NAMES.get(t, _anonymous(t)) for t in terminals if t != "$END"})
    if not names:
        return "end of input"
    if len(names) > 6:
        names = names[:6] + ["..."]
    return " or ".join(names)


def _anonymous(terminal: str) -> str:
    pattern = _parser.get_terminal(terminal).pattern if terminal in {t.name for t in _parser.terminals} else None
    return f"'{pattern.value}'" if pattern is not None and pattern.type == "str" else terminal.lower()


def parse_module(text: str, filename: str = "<string>") -> Module:
    """Parse a whole module; the top-level op must be ``builtin.module``."""
    op = parse_op(text, filename)
    if op.name != MODULE_OP:
        line, col = _first_token_position(text)
        source = text.splitlines()[line - 1] if text else ""
        raise ParseError(f"expected a '{MODULE_OP}' op at top level, got '{op.name}'", filename, line, col, source)
    return Module(op)


_SKIPPED = re.compile(r"(?:\s+|//[^\n]*)*")


def _first_token_position(text: str) -> tuple[int, int]:
    """(line, column) of the first character that is not whitespace or a comment."""
    start = _SKIPPED.match(text).end()
    line = text.count("\n", 0, start) + 1
    return line, start - (text.rfind("\n", 0, start) + 1) + 1


def parse_file(path: str | Path) -> Module:
    """The module in the IR text file ``path`` (errors name the file, line and column)."""
    path = Path(path)
    return parse_module(path.read_text(), str(path))
