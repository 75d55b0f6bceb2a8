"""The repository is self-contained: test data is shipped and unedited, and nothing points outside it."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "corpus"


def test_corpus_cases_are_unedited():
    """Every corpus file matches SHA256SUMS (the cases are TensorFlow's, copied byte for byte)."""
    listed = {}
    for line in (CORPUS / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        listed[name] = digest
    present = {f"{p.parent.name}/{p.name}" for p in CORPUS.glob("*/*") if p.is_file()}
    assert present == set(listed), f"files not in SHA256SUMS: {sorted(present ^ set(listed))}"
    for name, digest in listed.items():
        assert hashlib.sha256((CORPUS / name).read_bytes()).hexdigest() == digest, f"{name} was edited"


def test_no_tracked_file_points_outside_the_repository():
    """Tests, tools, benchmarks and docs read only what the repository holds (a fresh clone works)."""
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    offenders = []
    for name in tracked:
        path = ROOT / name
        if path.suffix not in {".py", ".md", ".toml", ".cfg", ".ir", ""} or not path.is_file() or name == "tests/test_repository.py":
            continue
        text = path.read_text(errors="replace")
        if "../shared" in text or '/ "shared"' in text:
            offenders.append(name)
    assert not offenders, f"files that reach outside the repository: {offenders}"
