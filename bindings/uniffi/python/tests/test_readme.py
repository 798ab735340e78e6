"""The READMEs' Python examples run as a new user copies them: every ```python block of
README.md and bindings/uniffi/README.md, and every `python -m movinet` line of their ```sh
blocks, each in a fresh interpreter (without $MOVINET_MODEL) in a folder holding the files they
name: movinet_a0_stream_int8.tflite with its labels beside it, and clip.mp4 (a shared clip)."""

import os
import re
import shlex
import subprocess
import sys

import pytest

import movinet
from conftest import A0, CLIPS, KINETICS_LABELS, REPO

READMES = [REPO / "README.md", REPO / "bindings" / "uniffi" / "README.md"]
# 131 frames of 172x172: the shortest of the shared clips to decode and annotate.
CLIP = CLIPS / "tfexamples_rpi_carving_ice.mp4"


def blocks(language):
    """(README name, block text) of every fenced block in `language`."""
    found = []
    for readme in READMES:
        text = readme.read_text(encoding="utf-8")
        for block in re.findall(rf"^```{language}\n(.*?)^```", text, re.M | re.S):
            found.append((readme.relative_to(REPO).as_posix(), block))
    return found


PYTHON_BLOCKS = blocks("python")
COMMAND_LINES = [
    (readme, line)
    for readme, block in blocks("sh")
    for line in block.splitlines()
    if line.startswith("python -m movinet ")
]
PIP_LINES = [
    (readme, line) for readme, block in blocks("sh") for line in block.splitlines()
    if line.startswith("pip install ")
]


@pytest.fixture
def user_folder(tmp_path):
    """A folder as the examples assume one: the model, its labels beside it, a clip."""
    for name, target in [
        ("movinet_a0_stream_int8.tflite", A0),
        ("kinetics600_labels.txt", KINETICS_LABELS),
        ("clip.mp4", CLIP),
    ]:
        (tmp_path / name).symlink_to(target)
    return tmp_path


def run(args, folder):
    env = {k: v for k, v in os.environ.items() if k != "MOVINET_MODEL"}
    return subprocess.run(
        args, cwd=folder, env=env, capture_output=True, text=True, timeout=300
    )


def test_the_readmes_have_examples():
    assert len(PYTHON_BLOCKS) >= 2 and len(COMMAND_LINES) >= 2 and len(PIP_LINES) >= 4


@pytest.mark.parametrize("readme, code", PYTHON_BLOCKS, ids=lambda v: str(v)[:40])
def test_python_example_runs(readme, code, user_folder):
    out = run([sys.executable, "-c", code], user_folder)
    assert out.returncode == 0, f"{readme}:\n{code}\n{out.stderr}"


@pytest.mark.parametrize("readme, line", COMMAND_LINES, ids=lambda v: str(v)[:60])
def test_command_example_runs(readme, line, user_folder):
    args = shlex.split(line, comments=True)
    out = run([sys.executable, *args[1:]], user_folder)
    assert out.returncode == 0, f"{readme}: {line}\n{out.stderr}"


@pytest.mark.parametrize("readme, line", PIP_LINES, ids=lambda v: str(v)[:60])
def test_pip_lines_name_this_version(readme, line):
    (wheel,) = [w for w in shlex.split(line, comments=True) if ".whl" in w]
    assert os.path.basename(wheel).startswith(f"movinet-{movinet.__version__}-py3-none-"), line
