#!/usr/bin/env python3
"""Make `apt-get source` work on a Debian machine (run as root).

If no deb-src entry is configured, writes /etc/apt/sources.list.d/tern-src.sources
with a deb-src stanza for every Debian archive entry already configured for
binaries (same URIs, suites, components and keyring), then runs apt-get update.
Does nothing when deb-src entries exist and their indexes are downloaded.

    python3 tests/programs/setup_deb_src.py [--check]

--check only reports (exit 0: sources usable, 1: not) and changes nothing.
"""
import glob
import os
import re
import subprocess
import sys

OUT = "/etc/apt/sources.list.d/tern-src.sources"
# Entries we mirror: the Debian archive and its security archive on any mirror.
DEBIAN_URI = re.compile(r"^[a-z+]+://[^ ]*/debian(-security)?/?$")


def say(msg):
    print("setup_deb_src: " + msg, flush=True)


def source_targets():
    """(configured, downloaded) counts of Sources index targets apt knows about."""
    try:
        out = subprocess.run(
            ["apt-get", "indextargets", "--format", "$(CREATED_BY) $(FILENAME)"],
            capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return 0, 0
    configured = downloaded = 0
    for line in out.splitlines():
        kind, _, filename = line.partition(" ")
        if kind != "Sources":
            continue
        configured += 1
        # apt stores indexes possibly compressed; FILENAME is the uncompressed name.
        if any(os.path.exists(filename + ext) for ext in ("", ".lz4", ".gz", ".xz", ".zst")):
            downloaded += 1
    return configured, downloaded


def deb822_stanzas(path):
    text = open(path, encoding="utf-8", errors="replace").read()
    for block in re.split(r"\n\s*\n", text):
        fields, key = {}, None
        for line in block.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            if line[0] in " \t" and key:  # continuation line
                fields[key] += " " + line.strip()
                continue
            key, _, value = line.partition(":")
            key = key.strip().lower()
            fields[key] = value.strip()
        if fields:
            yield fields


def one_line_entries(path):
    """Yields deb822-like dicts for `deb [opts] URI SUITE COMP...` lines."""
    for line in open(path, encoding="utf-8", errors="replace"):
        line = line.split("#", 1)[0].strip()
        if not line.startswith("deb "):
            continue
        rest = line[4:].strip()
        opts = {}
        if rest.startswith("["):
            inside, _, rest = rest[1:].partition("]")
            for opt in inside.split():
                k, _, v = opt.partition("=")
                opts[k.lower()] = v
            rest = rest.strip()
        parts = rest.split()
        if len(parts) < 2:
            continue
        entry = {"types": "deb", "uris": parts[0], "suites": parts[1],
                 "components": " ".join(parts[2:])}
        if "signed-by" in opts:
            entry["signed-by"] = opts["signed-by"]
        yield entry


def binary_entries():
    entries = []
    for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
        if os.path.abspath(path) == OUT:
            continue
        entries += list(deb822_stanzas(path))
    for path in ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.list")):
        if os.path.exists(path):
            entries += list(one_line_entries(path))
    keep = []
    for e in entries:
        if e.get("enabled", "yes").lower() == "no":
            continue
        if "deb" not in e.get("types", "").split():
            continue
        uris = [u for u in e.get("uris", "").split() if DEBIAN_URI.match(u)]
        if not uris or not e.get("suites"):
            continue
        keep.append(dict(e, uris=" ".join(uris)))
    return keep


def main():
    check = "--check" in sys.argv[1:]
    configured, downloaded = source_targets()
    if configured and downloaded == configured:
        say("deb-src entries are configured and their indexes downloaded")
        return 0
    if check:
        say("deb-src: %d index targets configured, %d downloaded" % (configured, downloaded))
        return 1
    if os.geteuid() != 0:
        say("must run as root (try: sudo python3 %s)" % sys.argv[0])
        return 1
    if not configured:
        entries = binary_entries()
        if not entries:
            say("no Debian archive entries found in /etc/apt; cannot add deb-src")
            return 1
        lines = ["# Written by tern's tests/programs/setup_deb_src.py: sources for",
                 "# `apt-get source`, mirroring the deb entries configured for binaries."]
        for e in entries:
            lines += ["", "Types: deb-src", "URIs: " + e["uris"], "Suites: " + e["suites"]]
            if e.get("components"):
                lines.append("Components: " + e["components"])
            if e.get("signed-by"):
                lines.append("Signed-By: " + e["signed-by"])
        with open(OUT, "w") as f:
            f.write("\n".join(lines) + "\n")
        say("wrote %s (%d entries)" % (OUT, len(entries)))
    say("apt-get update")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    rc = subprocess.run(["apt-get", "update", "-q"], env=env).returncode
    if rc != 0:
        say("apt-get update failed with status %d" % rc)
        return 1
    configured, downloaded = source_targets()
    if not configured or downloaded != configured:
        say("Sources indexes still missing after apt-get update (%d of %d)" % (downloaded, configured))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
