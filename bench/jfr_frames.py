"""What a JVM spent its CPU samples on: the share of a Java Flight Recording's execution samples whose stack
holds a frame matching each given name (issue 27 item 5: the Spark parity file's JVM).

    JAVA_TOOL_OPTIONS="-XX:StartFlightRecording=filename=/tmp/spark.jfr,settings=profile" \\
        SPARK_LOCAL_IP=127.0.0.1 .venv/bin/python -m pytest tests/metrics/test_spark_parity.py -q
    .venv/bin/python bench/jfr_frames.py /tmp/spark.jfr ClosureCleaner ObjectInputStream ...

Reads the recording through the JDK's own `jfr print` (Java 17+). A sample counts once per name however many
of its frames match, so the shares overlap and need not add up to 100%.
"""

from __future__ import annotations

import argparse
import re
import subprocess
from collections import Counter

FRAME = re.compile(r"^\s+([\w$.<>]+)\(", re.M)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("recording")
    parser.add_argument("names", nargs="+", help="substrings of a frame (class or method names)")
    parser.add_argument("--top", type=int, default=15, help="also print the most sampled leaf frames")
    args = parser.parse_args()
    printed = subprocess.run(
        ["jfr", "print", "--events", "jdk.ExecutionSample", "--stack-depth", "64", args.recording],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    stacks = [FRAME.findall(event) for event in printed.split("jdk.ExecutionSample")[1:]]
    stacks = [frames for frames in stacks if frames]
    if not stacks:
        raise SystemExit(f"{args.recording}: no execution samples")
    holding = Counter(name for frames in stacks for name in args.names if any(name in f for f in frames))
    print(f"{len(stacks)} samples")
    for name in args.names:
        print(f"{holding[name] / len(stacks):6.1%}  {name}")
    if args.top:
        print("\nleaf frames:")
    for frame, count in Counter(frames[0] for frames in stacks).most_common(args.top):
        print(f"{count / len(stacks):6.1%}  {frame}")


if __name__ == "__main__":
    main()
