"""``python -m graders.zoo <chapter> <folder>``: write a chapter's bug zoo (see the package)."""
import sys
from pathlib import Path

from graders.zoo import write_zoo

if __name__ == "__main__":
    if len(sys.argv) != 3:
        print("usage: python -m graders.zoo <chapter> <folder>", file=sys.stderr)
        sys.exit(2)
    written = write_zoo(sys.argv[1], Path(sys.argv[2]))
    print(f"wrote {len(written)} submissions and expected.json to {sys.argv[2]}")
