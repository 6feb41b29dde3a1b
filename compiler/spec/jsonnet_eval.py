"""The Jsonnet side of the sandbox: what runs inside a worker process (`python -m compiler.spec.jsonnet_eval`).

The worker reads length-prefixed JSON requests on stdin and answers each on stdout. It evaluates with Go's
Jsonnet under the limits jsonnet_sandbox set on it, resolves imports only inside the allowed roots, and
reports errors as (line, col, message, file, runtime): located in the evaluated file, or in the imported file
where Jsonnet found the error (a library's own line, not the spec's import of it). The parent never loads Go's
runtime.
"""

from __future__ import annotations

import json
import os
import re
import resource
import struct
import sys
from collections.abc import Iterable
from typing import IO, Any

from compiler.errors import InputError
from compiler.spec import unseen_text
from compiler.spec.files import MAX_FILE_BYTES, read_regular

_HEADER = struct.Struct(">Q")
_UTF8_BOM = b"\xef\xbb\xbf"
_CODE_SUFFIXES = (".jsonnet", ".libsonnet", ".json")
_LIBRARY_SUFFIXES = (".jsonnet", ".libsonnet")  # files whose place an import message may name (not a .json's)


def as_checked_in(text: bytes) -> bytes:
    """`text` with CRLF line ends as LF, as git stores a text file that a `core.autocrlf` checkout (Windows) writes
    with CRLF: Jsonnet keeps a text block's or multi-line string's `\r`, so the spec read otherwise there (a
    control character error, or `\r` in a dashboard). Like git, a file with a NUL byte (`importbin`) is data."""
    return text if b"\0" in text[:8000] else text.replace(b"\r\n", b"\n")


def send(stream: IO[bytes], message: dict[str, Any]) -> None:
    body = json.dumps(message).encode("utf-8")
    stream.write(_HEADER.pack(len(body)) + body)
    stream.flush()


def receive(stream: IO[bytes]) -> dict[str, Any] | None:
    """The next message, or None at end of stream (the other side is gone)."""
    head = stream.read(_HEADER.size)
    if len(head) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(head)
    body = stream.read(size)
    if len(body) < size:
        return None
    loaded: dict[str, Any] = json.loads(body)
    return loaded


def evaluate(request: dict[str, Any]) -> dict[str, Any]:
    """{"output": json text, "imports": [[real path, name as the evaluated file wrote it or None], ...]} or
    {"error": [line, col, message, file, raised]} for one request: `file` is None for the evaluated file, else an
    imported file's name relative to it; `raised` when the place is a frame of the evaluation (an `error`, a bad
    field) rather than where a file does not parse. The imports let the model judge whose files a spec read."""
    path: str = request["path"]
    roots: list[str] = request["roots"]
    refused: list[str] = []  # the binding garbles messages raised from callbacks; keep our own copy
    # the names Jsonnet knows the imported files by, in its error traces, and their text (to count columns in)
    imported: dict[str, bytes] = {}
    read: dict[str, str | None] = {}  # real path -> the name the evaluated file imported it by (None: a library did)
    here = os.path.realpath(".")  # the evaluated file's folder (serve() went there)

    def import_callback(base: str, rel: str) -> tuple[str, bytes]:
        try:
            name, data = resolve_import(path, roots, base, rel, request.get("shown_from"))
        except RuntimeError as exc:
            refused.append(str(exc))
            raise
        imported[name] = as_checked_in(data)
        real = os.path.realpath(name)
        if read.get(real) is None:
            read[real] = rel if os.path.realpath(base or ".") == here else None
        return name, imported[name]

    extra = {"tla_codes": request["tla_codes"]} if request.get("tla_codes") is not None else {}
    source = as_checked_in(request["source"].encode("utf-8", "surrogateescape"))
    try:
        output: str = _jsonnet_module()(
            path, source.decode("utf-8", "surrogateescape"), import_callback=import_callback, **extra
        )
    except (RuntimeError, UnicodeDecodeError) as exc:
        text = exc.object.decode("utf-8", "replace") if isinstance(exc, UnicodeDecodeError) else str(exc)
        where, line, col, message, raised = jsonnet_error(path, text, imported)
        col = character_column(imported.get(where, source), line, col)
        return {"error": [line, col, refused[0] if refused else message, None if where == path else where, raised]}
    limit = request["max_output"]
    if len(output) > limit:
        too_long = f"evaluates to {len(output):,} characters of JSON; the limit is {limit:,}"
        return {"error": [1, 1, too_long, None, False]}
    return {"output": output, "imports": sorted(read.items())}


def resolve_import(
    path: str, roots: list[str], base: str, rel: str, shown_from: str | None = None
) -> tuple[str, bytes]:
    """Find an import beside the importing file or on the library path, never outside them. The name Jsonnet
    gets (its `std.thisFile`) is relative to the working directory, the spec's folder: the same on any machine
    with the same checkout, where a library root's absolute path was not."""
    candidates = [os.path.join(base or os.path.dirname(path), rel)] + [os.path.join(r, rel) for r in roots[1:]]
    for candidate in candidates:
        real = os.path.realpath(candidate)
        if not any(real == r or real.startswith(r + os.sep) for r in roots):
            escapes = f"import {rel!r} escapes the allowed library paths ({shown(roots, shown_from)})"
            raise RuntimeError(escapes + _library_outside(real, shown_from))
        if os.path.lexists(real) and not os.path.isdir(real):
            _refuse_hidden(rel, real, roots)
            try:
                data = read_regular(real, MAX_FILE_BYTES)
            except InputError as exc:
                raise RuntimeError(f"import {rel!r} {exc.diagnostics[0].message}") from None
            if rel.lower().endswith(_CODE_SUFFIXES):  # code, not importstr's text: its BOM does not lex
                data = data.removeprefix(_UTF8_BOM)
                _refuse_unseen(rel, data)
            return os.path.relpath(candidate), data
    raise RuntimeError(_not_found(rel, roots, shown_from))


def _refuse_hidden(rel: str, real: str, roots: list[str]) -> None:
    """A file or folder whose name starts with a dot, as written or where it lives below its root, is not imported:
    discovery passes such names over as tools' and editors' (`.git/`, `.env`), and a CI checkout's `.git/config`
    holds the job's token (round 48: with `-J .`, `importstr '.git/config'` put it into a dashboard and 9 runbooks,
    exit 0). Said before the file is read: its text never reaches a message."""
    root = max((r for r in roots if real == r or real.startswith(r + os.sep)), key=len)
    below = os.path.relpath(real, root).split(os.sep) if real != root else []
    hidden = next((p for p in [*rel.split("/"), *below] if p.startswith(".") and p not in (".", "..")), None)
    if hidden is not None:
        raise RuntimeError(
            f"import {rel!r} reads {hidden!r}, a name starting with a dot: obsc imports no hidden file or folder "
            "(a tool's, an editor's or a secret's such as .git/config or .env, whose text would be written into "
            "the output); keep libraries under names without a leading dot"
        )


def _not_found(rel: str, roots: list[str], shown_from: str | None) -> str:
    """Where an import was looked for, and what to pass: "not found in ." named neither `-J` nor the folder below
    the spec that holds the library (round 43, a newcomer with `lib/` or jsonnet-bundler's `vendor/`)."""
    own = shown(roots[:1], shown_from)
    paths = f"nor in the -J library paths ({shown(roots[1:], shown_from)})" if roots[1:] else "and no -J path is given"
    said = f"import {rel!r} not found beside the spec ({own}) {paths}"
    below = _found_below(roots[0], rel)
    if below is None:
        return f"{said}: {_written_from_elsewhere(rel, roots, shown_from)}"
    folder = shown([below], shown_from)
    return f"{said}: {os.path.join(folder, rel)} is there: pass -J {folder}"


def _library_outside(real: str, shown_from: str | None) -> str:
    """What to pass for a library outside the allowed paths (`import '../lib/svc.libsonnet'` from specs/ with no
    -J): round 45's newcomer was told it escapes and not which -J admits it. Said only of a Jsonnet file that
    exists: any other file (`/etc/hostname`) is no library, and its existence is not a spec's to learn."""
    if not real.lower().endswith(_LIBRARY_SUFFIXES) or not os.path.isfile(real):
        return ""
    folder = shown([os.path.dirname(real)], shown_from)
    return f": {os.path.join(folder, os.path.basename(real))} is there: pass -J {folder}"


def _written_from_elsewhere(rel: str, roots: list[str], shown_from: str | None) -> str:
    """The advice for an import found nowhere: `import 'lib/svc.libsonnet'` with `-J lib` looked for
    lib/lib/svc.libsonnet (a -J path holds the file under a shorter name), and with no -J it is the path from the
    working directory, not from the spec's folder (round 45, a newcomer)."""
    parts = [p for p in rel.split("/") if p not in ("", ".")]
    for root in roots[1:]:
        for cut in range(1, min(len(parts), 8)):  # a few folders deep: a hostile import's 10,000 are not walked
            tail = "/".join(parts[cut:])
            if os.path.isfile(os.path.join(root, tail)):
                return f"the -J path {shown([root], shown_from)} holds it as {tail!r}: import {tail!r}"
    here = shown_from or os.getcwd()
    library = rel.lower().endswith(_LIBRARY_SUFFIXES)  # as for a library outside: no other file's existence is said
    if library and not os.path.isabs(rel) and ".." not in parts and os.path.isfile(os.path.join(here, rel)):
        return (
            f"{rel} is there from the current directory, but an import is read from the spec's folder and the -J "
            "paths: pass -J . (or the folder that holds it, and import the name below it)"
        )
    return "pass the folder that holds it with -J/--jpath DIR"


def _found_below(root: str, rel: str, most: int = 2000) -> str | None:
    """The folder at or below `root` that holds `rel`, looking at `most` folders at most. `root` itself too: a
    spec's own import was looked for there, but a library's is read beside the library (lib/ importing
    'common.libsonnet' kept in the spec folder was told only "pass the folder that holds it with -J")."""
    if os.path.isabs(rel) or ".." in rel.split("/"):
        return None
    for seen, (folder, names, _) in enumerate(os.walk(root)):
        names[:] = sorted(n for n in names if not n.startswith("."))
        if seen >= most:
            return None
        if os.path.isfile(os.path.join(folder, rel)):
            return folder
    return None


def _refuse_unseen(rel: str, data: bytes) -> None:
    """An imported library is reviewed like a spec: a character its review does not show is refused there too,
    at its own line and column (text that is not UTF-8 is Jsonnet's to refuse)."""
    try:
        unseen_text.refuse(rel, data.decode("utf-8", "replace"), yaml=False)
    except InputError as exc:
        first = exc.diagnostics[0]
        where = f"line {first.location.line} column {first.location.col}"
        raise RuntimeError(f"import {rel!r}, {where}: {first.message}") from None


def shown(roots: list[str], cwd: str | None = None) -> str:
    """Library roots as the user would write them (relative to their working directory when inside it)."""
    cwd = cwd or os.getcwd()
    return ", ".join(os.path.relpath(r, cwd) if r == cwd or r.startswith(cwd + os.sep) else r for r in roots)


def character_column(source: bytes, line: int, col: int) -> int:
    """Jsonnet counts a column in bytes; obsc's locations (YAML's, a Jsonnet key's) count characters, as editors
    do. After `'日本語', ` on its line an error was 6 columns to the right of its place."""
    lines = source.split(b"\n")
    if not 1 <= line <= len(lines):
        return col
    return len(lines[line - 1][: col - 1].decode("utf-8", "replace")) + 1


# A place in a Jsonnet error or trace: `file:3:5-9`, `file:3:5` or a span over lines, `file:(3:5)-(4:2)`.
_PLACE = re.compile(r"^(?P<file>.+?):\(?(?P<line>\d+):(?P<col>\d+)")


def jsonnet_error(path: str, text: str, imported: Iterable[str] = ()) -> tuple[str, int, int, str, bool]:
    """(file, line, col, message, raised) of a Jsonnet error: its first place in the evaluated file `path` or in one
    of the `imported` files, as Jsonnet names them. The innermost frame comes first in Jsonnet's trace, so an
    error inside a library is located at the library's line, where it can be fixed; before, a library's line
    was passed over for the spec's import of it, or for the spec's first line when no frame was in the spec."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    head = lines[0] if lines else text
    if head.startswith("RUNTIME ERROR: "):
        head = _raised_message(text)
    known = {path, *imported}
    for ln in lines:
        for token in ln.split():
            place = _PLACE.match(token)
            if place is None or place["file"] not in known:
                continue
            if head.startswith(token) and " " in head:  # the file does not parse: the message starts at its place
                return place["file"], int(place["line"]), int(place["col"]), head.split(" ", 1)[1], False
            return place["file"], int(place["line"]), int(place["col"]), head, True
    return path, 1, 1, head, True


# A frame of Jsonnet's trace: a tab, then a place (`\tlib.libsonnet:3:5-9\tfunction <svc>`).
_FRAME = re.compile(r"^\t\S+?:\(?\d+:\d+")


def _raised_message(text: str) -> str:
    """An evaluation error's message, every line of it: an `error` or `assert` text written over several lines
    was cut to its first (`'objective over 100:\\nsee the SLO guide'` read "objective over 100:"). The lines
    are joined by a space, as obsc's output is one line per error; the trace starts at the first frame."""
    lines = text.strip("\n").removeprefix("RUNTIME ERROR: ").split("\n")
    end = next((i for i, ln in enumerate(lines) if _FRAME.match(ln)), 1)
    return " ".join(ln.strip() for ln in lines[: max(end, 1)] if ln.strip())


def _jsonnet_module() -> Any:
    try:
        import _gojsonnet

        return _gojsonnet.evaluate_snippet
    except ImportError:  # pragma: no cover - fallback when only the C++ binding is installed
        import _jsonnet

        return _jsonnet.evaluate_snippet


def _cpu_used() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def serve(stdin: IO[bytes], stdout: IO[bytes]) -> None:
    """Answer requests until stdin closes. Each evaluation gets its own CPU allowance (RLIMIT_CPU is
    cumulative, so the soft limit moves up before each one); going over it ends this process (SIGXCPU)."""
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    _jsonnet_module()  # load Go's runtime before saying hello: its start is not an evaluation's time
    send(stdout, {"ready": True})
    while (request := receive(stdin)) is not None:
        allowance = int(_cpu_used() + request["cpu_seconds"]) + 1
        if hard == resource.RLIM_INFINITY or allowance < hard:
            resource.setrlimit(resource.RLIMIT_CPU, (allowance, hard))
        os.chdir(request["cwd"])  # the evaluated file's folder: Jsonnet's paths are relative to it
        try:
            send(stdout, evaluate(request))
        except MemoryError:  # Python's share of the limit (the reply's copies of a large result)
            send(stdout, {"memory": True})


def _main() -> None:
    memory = int(sys.argv[1])
    if memory > 0:
        # Data, not address space: Go reserves ~1.7 GB of address space at start, but only what it writes
        # counts here. Over the limit Go stops with "cannot allocate memory"; the parent reports it.
        resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but replies on the reply stream
    serve(stdin, stdout)


if __name__ == "__main__":
    _main()
