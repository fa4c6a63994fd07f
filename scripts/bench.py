#!/usr/bin/env python3
"""The benchmark, for maintainers: the same as ``ketamine-kg bench`` (see the Performance section of README.md).

    python3 scripts/bench.py --quick
    python3 scripts/bench.py --json bench.json      # the full run: 1M triples, 2,000- and 10,000-node pages
"""

import sys

from ketamine_kg.cli.bench import bench

if __name__ == "__main__":
    sys.exit(bench.main(args=sys.argv[1:], prog_name="scripts/bench.py"))
