"""Build ``src/movedesk/data/registry/ciks.csv`` (company id → SEC CIK) from ../shared/data/prices.

Usage::

    python scripts/build_ciks.py [--shared ../shared/data/prices] [--out src/movedesk/data/registry]

The CIKs are facts of ``sp500_membership.csv``; a symbol maps to its registry company (share classes of one
issuer are one company), the first CIK seen for a company is kept. Idempotent.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from movedesk.registry import load_registry

ROOT = Path(__file__).resolve().parents[1]
HEADER = (
    "# SEC Central Index Keys of registry companies (facts), from ../shared/data/prices/sp500_membership.csv;\n"
    "# rebuilt by scripts/build_ciks.py. Companies that do not file with the SEC have no row.\n"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data" / "prices")
    parser.add_argument("--out", type=Path, default=ROOT / "src" / "movedesk" / "data" / "registry")
    args = parser.parse_args()
    registry = load_registry(args.out)
    ciks: dict[str, str] = {}
    with (args.shared / "sp500_membership.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            company = registry.by_symbol.get(row["symbol"])
            if row["cik"] and company is not None:
                ciks.setdefault(company.id, row["cik"].zfill(10))
    with (args.out / "ciks.csv").open("w", encoding="utf-8", newline="") as fh:
        fh.write(HEADER)
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["company_id", "cik"])
        writer.writerows(sorted(ciks.items()))
    print(f"{len(ciks)} companies with a CIK")


if __name__ == "__main__":
    main()
