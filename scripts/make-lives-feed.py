#!/usr/bin/env python3
"""Writes a synthetic LIVES feed of about ROWS rows (businesses + inspections + violations) for the
import benchmark (scripts/import-bench.sh). Made by us; deterministic (seeded).

Usage: scripts/make-lives-feed.py DIR [ROWS]   (ROWS defaults to 1,000,000)

Shape, per business: 2-3 inspections on distinct dates, about 2.75 violations per business spread
over them, codes from the policy's LIVES weights ("1".."38"), some without a code, some exact
duplicates (the cases an import must keep row by row).
"""
import csv
import os
import random
import sys
from datetime import date, timedelta

def main():
    out = sys.argv[1]
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    rng = random.Random(17)
    os.makedirs(out, exist_ok=True)
    # ~6.25 rows per business: 1 business + 2.5 inspections + 2.75 violations.
    n_business = max(1, rows * 4 // 25)
    streets = ["Main St", "High St", "Oak Ave", "Café Row", "Elm St", "Broadway", "Pine Rd", "Market Sq"]
    base = date(2015, 1, 1)
    written = 0
    with open(os.path.join(out, "businesses.csv"), "w", newline="", encoding="utf-8") as fb, \
         open(os.path.join(out, "inspections.csv"), "w", newline="", encoding="utf-8") as fi, \
         open(os.path.join(out, "violations.csv"), "w", newline="", encoding="utf-8") as fv:
        wb, wi, wv = csv.writer(fb), csv.writer(fi), csv.writer(fv)
        wb.writerow(["business_id", "name", "address", "city", "state", "postal_code"])
        wi.writerow(["business_id", "score", "date", "type"])
        wv.writerow(["business_id", "date", "code", "description"])
        b = 0
        while written < rows:
            b += 1
            bid = f"B{b:07d}"
            wb.writerow([bid, f"Diner {b}", f"{rng.randint(1, 9999)} {rng.choice(streets)}, Ste {b % 40}",
                         "Springfield", "KY", f"{40500 + b % 100:05d}"])
            written += 1
            days = sorted(rng.sample(range(0, 3000), 2 if b % 2 else 3))
            for d in days:
                if written >= rows:
                    break
                when = base + timedelta(days=d)
                codes = []
                for _ in range(rng.choice([0, 1, 1, 1, 2])):
                    codes.append(str(rng.randint(1, 38)) if rng.random() > 0.1 else "")
                score = 100 - sum(WEIGHTS.get(c, 0) for c in set(codes))
                wi.writerow([bid, score if rng.random() > 0.05 else "", when.strftime("%Y%m%d"), "routine"])
                written += 1
                for c in codes:
                    if written >= rows:
                        break
                    wv.writerow([bid, when.strftime("%Y%m%d"), c, f"Item {c or 'n/a'}: \"see notes\", corrected on site"])
                    written += 1
    print(f"{out}: {written} rows, {b} businesses")

WEIGHTS = {str(k): v for k, v in enumerate(
    [4, 1, 5, 2, 2, 2, 4, 2, 2, 5, 5, 2, 3, 3, 1, 2, 4, 1, 1, 1, 5, 4, 1, 4, 4, 2, 2, 4, 2, 1, 1, 1, 4, 2, 1, 3, 4, 3],
    start=1)}

if __name__ == "__main__":
    main()
