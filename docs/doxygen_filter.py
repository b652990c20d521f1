"""Doxygen input filter: a header's opening `//` comment becomes its file page.

The headers open with a `//` comment that says what the file is for and what it
promises (lifecycles, threads, limits). Doxygen reads only `///` comments, so
this turns that opening block into one, and the `#pragma once` after it into
`/// @file`, keeping every line where it was (warnings point at the real lines).
Everything else passes through untouched.

    doxygen_filter.py HEADER     (Doxygen's FILTER_PATTERNS calls it so)
"""
import sys


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        lines = f.read().split("\n")
    end = next((i for i, line in enumerate(lines) if line.strip() == "#pragma once"), None)
    opening = lines[:end] if end else []
    if opening and opening[0].startswith("//") and all(l.startswith("//") or not l.strip() for l in opening):
        for i, line in enumerate(opening):
            lines[i] = "///" + line[2:] if line.startswith("//") else "///"
        lines[end] = "/// @file"
    sys.stdout.write("\n".join(lines))


if __name__ == "__main__":
    main()
