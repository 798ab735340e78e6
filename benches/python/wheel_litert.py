"""Where the wheel's LiteRT should come from, measured: the wheel as built (``libLiteRt.so``
bundled by ``auditwheel repair``) against the same wheel depending on ``ai-edge-litert==2.1.4``
(whose ``ai_edge_litert/libLiteRt.so`` is the same file: the set-up takes ours from it).

The second wheel is made here from maturin's unrepaired wheel (``target/wheel/raw``, left by
``cargo xtask wheel``): the library stripped, its rpath pointed at
``$ORIGIN/../../ai_edge_litert``, ``Requires-Dist: ai-edge-litert==2.1.4`` added. For each wheel,
in alternating rounds:

* the wheel's size, and what ``pip`` downloads for it (the wheel and its dependencies);
* ``pip install`` time into a fresh venv, from a local folder of everything it needs
  (``--no-index``: the network is left out of the time);
* the installed size (the venv's site-packages less a fresh venv's);
* ``python -c "import movinet"`` wall time, and loading a model, in the installed venv.

    python benches/python/wheel_litert.py [--rounds 3]

It needs the network once, to fetch ``ai-edge-litert==2.1.4`` and its dependencies from PyPI,
and writes everything under ``target/wheel/litert-bench``. Times on a shared machine are noisy:
read them as ratios within a round.
"""

import argparse
import base64
import csv
import glob
import hashlib
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORK = os.path.join(ROOT, "target", "wheel", "litert-bench")
TOOLS = os.path.join(ROOT, ".deps", "wheel-tools", "bin")
LITERT = "ai-edge-litert==2.1.4"


def sh(*args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw)


def record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return [name, f"sha256={digest}", str(len(data))]


def dependent_wheel(raw, out_dir):
    """The raw wheel turned into one that loads libLiteRt.so from ai-edge-litert."""
    tmp = tempfile.mkdtemp(dir=WORK)
    with zipfile.ZipFile(raw) as z:
        z.extractall(tmp)
        names = z.namelist()
    lib = os.path.join(tmp, "movinet", "_uniffi", "libmovinet_ffi.so")
    sh("strip", "--strip-unneeded", lib)
    sh(os.path.join(TOOLS, "patchelf"), "--set-rpath", "$ORIGIN/../../ai_edge_litert", lib)
    info = next(n for n in names if n.endswith(".dist-info/METADATA"))
    meta = open(os.path.join(tmp, info)).read()
    meta = meta.replace("Requires-Dist:", f"Requires-Dist: {LITERT}\nRequires-Dist:", 1)
    open(os.path.join(tmp, info), "w").write(meta)
    wheel_info = info.replace("METADATA", "WHEEL")
    text = open(os.path.join(tmp, wheel_info)).read()
    # The tag it would need: auditwheel cannot vouch for it (libLiteRt.so is outside the wheel).
    text = text.replace("linux_x86_64", "manylinux_2_34_x86_64")
    open(os.path.join(tmp, wheel_info), "w").write(text)
    record = info.replace("METADATA", "RECORD")
    name = os.path.basename(raw).replace("linux_x86_64", "manylinux_2_34_x86_64")
    out = os.path.join(out_dir, name)
    rows = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for n in names:
            if n == record:
                continue
            data = open(os.path.join(tmp, n), "rb").read()
            z.writestr(n, data)
            rows.append(record_line(n, data))
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows + [[record, "", ""]])
        z.writestr(record, buf.getvalue())
    shutil.rmtree(tmp)
    return out


def site_size(venv):
    site = glob.glob(os.path.join(venv, "lib", "python3*", "site-packages"))[0]
    total = 0
    for d, _, files in os.walk(site):
        total += sum(os.path.getsize(os.path.join(d, f)) for f in files if not os.path.islink(os.path.join(d, f)))
    return total


def measure(wheel, wheelhouse, model, base_size):
    venv = tempfile.mkdtemp(dir=WORK)
    sh(sys.executable, "-m", "venv", venv)
    py = os.path.join(venv, "bin", "python")
    start = time.perf_counter()
    sh(py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-index",
       "--find-links", wheelhouse, wheel)
    install = time.perf_counter() - start
    installed = site_size(venv) - base_size
    imports = []
    for _ in range(3):
        start = time.perf_counter()
        sh(py, "-c", "import movinet", cwd=venv)
        imports.append(time.perf_counter() - start)
    start = time.perf_counter()
    sh(py, "-c", f"import movinet; movinet.MovinetModel({model!r})", cwd=venv)
    load = time.perf_counter() - start
    shutil.rmtree(venv)
    return install, installed, statistics.median(imports), load


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--model", default=os.path.join(
        os.environ.get("MOVINET_MODELS_DIR", os.path.join(ROOT, "..", "shared", "models")),
        "movinet_a0_stream_int8.tflite"))
    args = parser.parse_args()
    os.makedirs(WORK, exist_ok=True)
    bundled = glob.glob(os.path.join(ROOT, "target", "wheels", "movinet-*manylinux*.whl"))[0]
    raw = glob.glob(os.path.join(ROOT, "target", "wheel", "raw", "movinet-*.whl"))[0]
    houses = {name: os.path.join(WORK, name) for name in ("bundled", "dependency")}
    for d in houses.values():
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    wheels = {
        "bundled": shutil.copy(bundled, houses["bundled"]),
        "dependency": dependent_wheel(raw, houses["dependency"]),
    }
    sh(sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
       "--only-binary=:all:", "-d", houses["dependency"], LITERT)
    base = tempfile.mkdtemp(dir=WORK)
    sh(sys.executable, "-m", "venv", base)
    base_size = site_size(base)
    shutil.rmtree(base)
    for name, wheel in wheels.items():
        download = sum(os.path.getsize(w) for w in glob.glob(os.path.join(houses[name], "*.whl")))
        print(f"{name:10s} wheel {os.path.getsize(wheel) / 1e6:6.2f} MB, "
              f"pip downloads {download / 1e6:6.2f} MB "
              f"({len(glob.glob(os.path.join(houses[name], '*.whl')))} wheels)")
    show = subprocess.run([os.path.join(TOOLS, "auditwheel"), "show", wheels["dependency"]],
                          capture_output=True, text=True)
    print("auditwheel show (dependency):", " ".join(show.stdout.split())[:400])
    print(f"{'round':5s} {'wheel':10s} {'install s':>9s} {'installed MB':>12s} "
          f"{'import s':>8s} {'import+load s':>13s}")
    results = {name: [] for name in wheels}
    for r in range(args.rounds):
        order = list(wheels) if r % 2 == 0 else list(reversed(wheels))
        for name in order:
            install, installed, imp, load = measure(wheels[name], houses[name], args.model, base_size)
            results[name].append((install, installed, imp, load))
            print(f"{r + 1:5d} {name:10s} {install:9.2f} {installed / 1e6:12.1f} {imp:8.3f} {load:13.3f}")
    for name, rows in results.items():
        med = [statistics.median(col) for col in zip(*rows)]
        print(f"median {name:10s} install {med[0]:.2f} s, installed {med[1] / 1e6:.1f} MB, "
              f"import {med[2]:.3f} s, import + load {med[3]:.3f} s")


if __name__ == "__main__":
    main()
