#!/usr/bin/env python3
"""Writes data/demo/incidents-2024-04.csv: a synthetic month of incidents at real places in
north-west Syria, for `athar serve --demo`.

The incidents are invented (their `source` says so); the places are real: towns from the
bundled GeoNames gazetteer and a few villages of Jabal al-Zawiya that GeoNames lacks, with
approximate coordinates. Community names come in the spelling variants field reports use,
so that the demo exercises name grouping. Deterministic: the same file every run.
"""
import csv
import random
import sys
from datetime import date, timedelta

SOURCE = "athar-demo (synthetic)"
rng = random.Random(20240430)

# (name variants, lat, lon, admin1, weight for attacks, weight for other kinds)
PLACES = [
    (["سرمين", "بلدة سرمين"], 35.90403, 36.72501, "Idlib", 9, 3),
    (["أريحا", "اريحا", "مدينة أريحا"], 35.81374, 36.60964, "Idlib", 7, 5),
    (["إدلب", "مدينة ادلب", "ادلب"], 35.93062, 36.63393, "Idlib", 4, 14),
    (["فطيرة", "فطيره", "قرية فطيرة"], 35.6350, 36.5230, "Idlib", 11, 1),
    (["البارة", "قرية البارة"], 35.6840, 36.5400, "Idlib", 8, 1),
    (["كنصفرة", "كنصفره"], 35.6510, 36.5350, "Idlib", 6, 1),
    (["سفوهن"], 35.6130, 36.5550, "Idlib", 5, 0),
    (["آفس", "افس"], 35.9069, 36.80419, "Idlib", 6, 1),
    (["تفتناز"], 35.99832, 36.78579, "Idlib", 4, 2),
    (["بنش"], 35.95664, 36.7138, "Idlib", 3, 4),
    (["معرة مصرين", "معره مصرين"], 36.01152, 36.67183, "Idlib", 1, 4),
    (["جسر الشغور"], 35.81418, 36.31983, "Idlib", 5, 3),
    (["دركوش"], 35.9918, 36.39361, "Idlib", 0, 2),
    (["سلقين"], 36.13865, 36.45244, "Idlib", 0, 3),
    (["الدانا"], 36.21254, 36.76998, "Idlib", 0, 6),
    (["حارم"], 36.21176, 36.52078, "Idlib", 0, 2),
    (["كفر تخاريم", "كفرتخاريم"], 36.1168, 36.51522, "Idlib", 1, 2),
    (["مخيم أطمة", "مخيم اطمه"], 36.3050, 36.6650, "Idlib", 0, 4),
    (["الأتارب", "الاتارب", "مدينة الأتارب"], 36.13907, 36.82504, "Aleppo", 7, 2),
    (["دارة عزة", "دارة عزه"], 36.28247, 36.85216, "Aleppo", 4, 2),
    (["كفرتعال"], 36.1140, 36.8870, "Aleppo", 5, 0),
    (["تقاد"], 36.1650, 36.8700, "Aleppo", 3, 0),
]

ATTACK_WEAPONS = [("artillery", 52), ("drone", 20), ("suicide_drone", 8), ("guided_missile", 9),
                  ("rocket_launcher", 7), ("small_arms", 2), ("missile", 2)]
PERPETRATORS = [("government_forces", 80), ("government_and_sdf_areas", 6), ("russian_forces", 4), ("unknown", 10)]
ATTACK_PLACES = [("agricultural_land", 45), ("home", 30), ("road", 12), ("school", 2), ("market", 3),
                 ("shop", 3), ("fuel_refinery", 2), ("camp", 3)]
FIRE_CAUSES = [("unknown", 51), ("electrical_short", 29), ("gas_leak", 11), ("fuel_leak", 9)]
FIRE_PLACES = [("home", 40), ("agricultural_land", 35), ("shop", 15), ("camp", 10)]
VEHICLES = [("motorcycle", 55), ("car", 31), ("truck", 14)]
ACCIDENT_CAUSES = [("speeding", 38), ("vehicle_failure", 19), ("narrow_road", 11), ("rough_road", 7), ("unknown", 25)]


def pick(weighted):
    total = sum(w for _, w in weighted)
    r = rng.uniform(0, total)
    for value, weight in weighted:
        r -= weight
        if r <= 0:
            return value
    return weighted[-1][0]


def place(weight_index):
    return pick([(p, p[weight_index]) for p in PLACES])


def casualties(killed_chance, max_killed, injured_chance, max_injured):
    row = {}
    for name, chance, most in (("killed", killed_chance, max_killed), ("injured", injured_chance, max_injured)):
        total = rng.randint(1, most) if rng.random() < chance else 0
        women = rng.randint(0, total // 2) if total else 0
        children = rng.randint(0, total - women) if total and rng.random() < 0.4 else 0
        row.update({name: total, f"{name}_women": women, f"{name}_children": children})
    return row


def incident(number, kind):
    p = place(4 if kind == "attack" else 5)
    day = date(2024, 4, 1) + timedelta(days=rng.randrange(30))
    row = {
        "source_id": f"demo-2024-04-{number:04d}",
        "source": SOURCE,
        "kind": kind,
        "occurred_on": day.isoformat(),
        "community": rng.choice(p[0]),
        "admin1": p[3],
        # Within about a kilometre of the place's centre.
        "latitude": round(p[1] + rng.uniform(-0.008, 0.008), 5),
        "longitude": round(p[2] + rng.uniform(-0.01, 0.01), 5),
    }
    if kind == "attack":
        row.update(weapon=pick(ATTACK_WEAPONS), perpetrator=pick(PERPETRATORS), place_type=pick(ATTACK_PLACES))
        row.update(casualties(0.12, 3, 0.25, 5))
    elif kind == "fire":
        row.update(cause=pick(FIRE_CAUSES), place_type=pick(FIRE_PLACES))
        row.update(casualties(0.02, 1, 0.1, 3))
    elif kind == "traffic_accident":
        row.update(vehicle=pick(VEHICLES), cause=pick(ACCIDENT_CAUSES), place_type="road")
        row.update(casualties(0.1, 2, 0.8, 4))
    elif kind == "drowning":
        row.update(place_type="water_body", killed=1, killed_children=1 if number % 3 == 0 else 0)
    else:
        row.update(place_type="agricultural_land", **casualties(0.2, 1, 0.5, 2))
    return row


FIELDS = ["source_id", "source", "kind", "occurred_on", "community", "admin1", "latitude", "longitude",
          "perpetrator", "weapon", "place_type", "cause", "vehicle", "killed", "killed_women",
          "killed_children", "injured", "injured_women", "injured_children", "notes"]


def main(path):
    kinds = ["attack"] * 118 + ["fire"] * 64 + ["traffic_accident"] * 37 + ["drowning"] * 3 + ["uxo"] * 2
    rows = [incident(i + 1, kind) for i, kind in enumerate(kinds)]
    rows.sort(key=lambda r: (r["occurred_on"], r["source_id"]))
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=FIELDS)
        writer.writeheader()
        for row in rows:
            row.setdefault("notes", "بيانات تجريبية مصطنعة (synthetic demo data)")
            writer.writerow(row)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "data/demo/incidents-2024-04.csv")
