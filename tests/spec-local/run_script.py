#!/usr/bin/env python3
"""Writes a generated script (GENERATOR OUTDIR) into a scratch directory and
runs it: run_script.py GENERATOR SCRIPT.json TERN [tern wast options...]."""
import subprocess
import sys
import tempfile

gen, script, tern, opts = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
with tempfile.TemporaryDirectory(prefix="tern-spec-local-") as out:
    subprocess.run([sys.executable, gen, out], check=True)
    sys.exit(subprocess.run([tern, "wast"] + opts + [out + "/" + script]).returncode)
