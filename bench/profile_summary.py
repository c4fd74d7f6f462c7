"""Where the time goes, from a py-spy raw (collapsed stacks) profile: the functions with the most
samples on the stack (inclusive) and at its top (self), as shares of all samples.

python bench/profile_summary.py PROFILE.txt [--top 30] [--match integrations]
"""

import argparse
import re
from collections import Counter


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("profile")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--match", default="", help="only frames whose text contains this")
    args = parser.parse_args()
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    with open(args.profile) as handle:
        for line in handle:
            stack, _, count_text = line.rstrip("\n").rpartition(" ")
            count = int(count_text)
            frames = [re.sub(r"^process \d+:\"[^\"]*\"$", "", f) for f in stack.split(";")]
            frames = [f for f in frames if f]
            total += count
            for frame in set(frames):
                inclusive[frame] += count
            if frames:
                own[frames[-1]] += count
    print(f"{total} samples")
    for title, counter in (("inclusive", inclusive), ("self", own)):
        print(f"--- {title}")
        shown = 0
        for frame, count in counter.most_common():
            if args.match and args.match not in frame:
                continue
            print(f"{100 * count / total:5.1f}%  {frame}")
            shown += 1
            if shown >= args.top:
                break


if __name__ == "__main__":
    main()
