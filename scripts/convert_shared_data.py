#!/usr/bin/env python3
"""Convert the team's real driving recordings into tripscore's input formats.

Writes the files under data/ (see data/README.md). Reads the original
recordings from a folder given as the first argument (the team keeps them in
../shared/data; a user's clone does not need this script: its output is
committed). Deterministic: running it again gives the same bytes.

    python3 scripts/convert_shared_data.py ../shared/data
"""
import csv
import json
import math
import shutil
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

SRC = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data")
ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "data"
TESTS = ROOT / "tests" / "data"


def dumps(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def encode_polyline(points, precision):
    """Google polyline of (lat, lon) points; the reference algorithm."""
    factor = 10 ** precision
    out, prev_lat, prev_lon = [], 0, 0
    for lat, lon in points:
        ilat, ilon = round(lat * factor), round(lon * factor)
        for delta in (ilat - prev_lat, ilon - prev_lon):
            v = ~(delta << 1) if delta < 0 else delta << 1
            while v >= 0x20:
                out.append(chr((0x20 | (v & 0x1F)) + 63))
                v >>= 5
            out.append(chr(v + 63))
        prev_lat, prev_lon = ilat, ilon
    return "".join(out)


def decode_polyline(text, precision):
    factor, idx, lat, lon, pts = 10 ** precision, 0, 0, 0, []
    while idx < len(text):
        vals = []
        for _ in range(2):
            shift = result = 0
            while True:
                b = ord(text[idx]) - 63
                idx += 1
                result |= (b & 0x1F) << shift
                shift += 5
                if b < 0x20:
                    break
            vals.append(~(result >> 1) if result & 1 else result >> 1)
        lat += vals[0]
        lon += vals[1]
        pts.append((lat / factor, lon / factor))
    return pts


def haversine_m(a, b):
    r = 6371008.8
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    dp, dl = p2 - p1, math.radians(b[1] - a[1])
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


def iso(ms, offset_min):
    tz = timezone(timedelta(minutes=offset_min))
    t = datetime.fromtimestamp(ms / 1000, tz)
    return t.isoformat(timespec="milliseconds")


def seed_trip():
    """The API reference's example path, timed from its Transport event."""
    body = json.loads((ROOT / "tests/data/api/trajectory.json").read_text())
    pts = decode_polyline(body["encoded"], 5)
    start = int(datetime.fromisoformat("2019-03-22T08:37:45.000+01:00").timestamp() * 1000)
    end = int(datetime.fromisoformat("2019-03-22T09:39:00.000+01:00").timestamp() * 1000)
    cum = [0.0]
    for a, b in zip(pts, pts[1:]):
        cum.append(cum[-1] + haversine_m(a, b))
    # Time advances with distance plus 1 m-equivalent per step, so repeated points
    # still take time and the fixes stay in strict order; ends fall on the event's.
    weight = [c + i for i, c in enumerate(cum)]
    times = [start + round((end - start) * w / weight[-1]) for w in weight]
    rec = {
        "user_id": "seed-user",
        "event_id": "b699235f9e1e0b140b3d531466f0b79811044bb22925ed0e4d420e3fa44d65d6",
        "encoded": body["encoded"],
        "timestamps_ms": times,
        "utc_offset_minutes": 60,
    }
    d = OUT / "seed"
    d.mkdir(parents=True, exist_ok=True)
    (d / "seed_trip.jsonl").write_text(dumps(rec) + "\n")
    print(f"seed: {len(pts)} points, {cum[-1] / 1000:.3f} km")


# Brazilian traffic code road classes (HIERARQUIA_CTB) to OSM highway values:
# 1 "via de transito rapido" (expressway), 2 arterial, 3 collector, 4 local.
CTB_TO_OSM = {"1": "trunk", "2": "primary", "3": "secondary", "4": "residential"}


G0 = 9.80665


def br_float(s):
    return float(s.replace(",", "."))


def ndsbr():
    src, dst = SRC / "ndsbr", OUT / "ndsbr"
    dst.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src / "LICENSE.md", dst / "LICENSE.md")
    jsonl, rows, dropped = [], [], [0]
    for driver in "ABC":
        with open(src / f"driver_{driver}.csv", encoding="utf-8") as f:
            data = list(csv.DictReader(f, delimiter=";"))
        trips = {}
        for r in data:
            # Rows without a GPS fix (empty LAT/LONG) are not fixes; they are dropped.
            if r["LAT"] and r["LONG"]:
                trips.setdefault(r["TRIP"], []).append(r)
            else:
                dropped[0] += 1
        for trip, rs in sorted(trips.items(), key=lambda kv: int(kv[0])):
            user, event = f"ndsbr-{driver}", f"ndsbr-{driver}{int(trip):02d}"
            wps, phone, run_start, last_ms = [], [], None, None
            for r in rs:
                d, m, y = (int(x) for x in r["DAY"].split("/"))
                hh, mm, ss = (int(x) for x in r["PR"].split(":"))
                local = datetime(y, m, d, hh, mm, ss, tzinfo=timezone(timedelta(hours=-3)))
                ms = int(local.timestamp() * 1000)
                wp = {
                    "latitude": br_float(r["LAT"]),
                    "longitude": br_float(r["LONG"]),
                    "timestamp": local.isoformat(timespec="milliseconds"),
                }
                if r["SPD_KMH"]:
                    wp["speed"] = round(br_float(r["SPD_KMH"]), 2)
                if r["LIMITE_VEL"] not in ("", "NPI"):
                    wp["speed_limit"] = float(r["LIMITE_VEL"])
                if r["HIERARQUIA_CTB"] in CTB_TO_OSM:
                    wp["road_type"] = CTB_TO_OSM[r["HIERARQUIA_CTB"]]
                wps.append(wp)
                using = r["UMP_YN"] == "Yes"
                if using and run_start is None:
                    run_start = ms
                if not using and run_start is not None:
                    phone.append({"start": iso(run_start, -180), "end": iso(ms, -180)})
                    run_start = None
                last_ms = ms
                # phone_handling per row: yes/no, empty where not informed (NPI).
                handled = {"Yes": "yes", "No": "no"}.get(r["UMP_YN"], "")
                rows.append([user, event, wp["latitude"], wp["longitude"], wp["timestamp"], wp.get("speed", ""),
                             wp.get("speed_limit", ""), wp.get("road_type", ""), handled])
            if run_start is not None:
                phone.append({"start": iso(run_start, -180), "end": iso(last_ms, -180)})
            # UMP_YN = NPI (not informed) on a whole trip means no phone data, not "no use".
            rec = {"user_id": user, "event_id": event, "waypoints": wps}
            if any(r["UMP_YN"] in ("Yes", "No") for r in rs):
                rec["phone_handling"] = phone
            jsonl.append(dumps(rec))
    (dst / "ndsbr.jsonl").write_text("\n".join(jsonl) + "\n")
    # The same trips as raw GPS: positions, times and GPS speed only (no road
    # class, posted limit or phone data), for map matching against curitiba-osm.
    raw = []
    for line in jsonl:
        rec = json.loads(line)
        wps = rec["waypoints"]
        pts = [(w["latitude"], w["longitude"]) for w in wps]
        stamps = [int(datetime.fromisoformat(w["timestamp"]).timestamp() * 1000) for w in wps]
        raw.append(dumps({
            "user_id": rec["user_id"], "event_id": rec["event_id"] + "-raw",
            "encoded": encode_polyline(pts, 6), "precision": 6, "timestamps_ms": stamps,
            "speeds_kmh": [w.get("speed") for w in wps], "utc_offset_minutes": -180,
        }))
    (dst / "ndsbr_raw.jsonl").write_text("\n".join(raw) + "\n")
    with open(dst / "ndsbr.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["user_id", "event_id", "latitude", "longitude", "timestamp", "speed", "speed_limit", "road_type",
                    "phone_handling"])
        w.writerows(rows)
    print(f"ndsbr: {len(jsonl)} trips, {len(rows)} fixes, {dropped[0]} rows without a fix dropped")


def driveplotr():
    src, dst = SRC / "driveplotr-nds", OUT / "driveplotr-nds"
    dst.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src / "LICENSE.md", dst / "LICENSE.md")
    with open(src / "nds_data.csv") as f:
        data = list(csv.DictReader(f))
    drives = {}
    for r in data:
        drives.setdefault(int(float(r["drive"])), []).append(r)
    lines, events = [], []
    for drive, rs in sorted(drives.items()):
        pts = [(float(r["gps_lat"]), float(r["gps_long"])) for r in rs]
        rec = {
            "user_id": "driveplotr-nds",
            "event_id": f"nds-{drive:02d}",
            "encoded": encode_polyline(pts, 6),
            "precision": 6,
            "timestamps_ms": [round(float(r["time_utc"]) * 1000) for r in rs],
            "speeds_kmh": [round(float(r["speed_mph"]) * 1.609344, 2) if r["speed_mph"] else None for r in rs],
            "utc_offset_minutes": -300,
        }
        lines.append(dumps(rec))
        # Vehicle accelerometer events: one row per event with its span and peak.
        by_event = {}
        for r in rs:
            if r["accel_event"]:
                by_event.setdefault(r["accel_event"], []).append(r)
        for ev, ers in by_event.items():
            ax = [float(r["accel_x"]) for r in ers]
            ay = [float(r["accel_y"]) for r in ers]
            events.append([f"nds-{drive:02d}", int(float(ev)), round(float(ers[0]["time_utc"]) * 1000),
                           round(float(ers[-1]["time_utc"]) * 1000), ers[0]["accel_event_cat"],
                           max(ax, key=abs), max(ay, key=abs)])
    (dst / "nds.jsonl").write_text("\n".join(lines) + "\n")
    # The vehicle gyro's yaw rate (deg/s over the second before the row; the
    # logger's gyro_z is positive turning left, written here positive turning
    # right as tripscore's yaw rate): a reference for lateral acceleration.
    with open(dst / "yaw_rates.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["event_id", "time_ms", "yaw_rate_dps"])
        for drive, rs in sorted(drives.items()):
            for r in rs:
                if r["gyro_z"]:
                    w.writerow([f"nds-{drive:02d}", round(float(r["time_utc"]) * 1000), -float(r["gyro_z"]) + 0.0])
    # The vehicle accelerometer at every row (g → m/s², standard gravity):
    # accel_x is positive speeding up (32 of the 38 longitudinal events agree
    # with the GPS speed), accel_y as logged. A reference for longitudinal
    # acceleration and for per-trip inertial ratings.
    with open(dst / "accel.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["event_id", "time_ms", "accel_x_mps2", "accel_y_mps2"])
        for drive, rs in sorted(drives.items()):
            for r in rs:
                if r["accel_x"] and r["accel_y"]:
                    w.writerow([f"nds-{drive:02d}", round(float(r["time_utc"]) * 1000),
                                round(float(r["accel_x"]) * G0, 4), round(float(r["accel_y"]) * G0, 4)])
    with open(dst / "accel_events.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["event_id", "accel_event", "start_ms", "end_ms", "category", "peak_accel_x_g", "peak_accel_y_g"])
        w.writerows(events)
    print(f"driveplotr-nds: {len(lines)} trips, {len(data)} fixes, {len(events)} accelerometer events")


def barefoot():
    src, dst = SRC / "barefoot-munich", OUT / "barefoot-munich"
    dst.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src / "LICENSE.txt", dst / "LICENSE.txt")
    data = json.loads((src / "x0001-001.json").read_text())
    pts = []
    for p in data:
        lon, lat = (float(x) for x in p["point"][len("POINT("):-1].split())
        t = datetime.strptime(p["time"], "%Y-%m-%d %H:%M:%S%z")
        pts.append((lat, lon, t))
    trkpts = "\n".join(
        f'      <trkpt lat="{lat:.8f}" lon="{lon:.8f}"><time>{t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}</time></trkpt>'
        for lat, lon, t in pts
    )
    gpx = f"""<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="tripscore convert_shared_data.py" xmlns="http://www.topografix.com/GPX/1/1">
  <metadata><author><name>barefoot-munich</name></author></metadata>
  <trk>
    <name>x0001-001</name>
    <trkseg>
{trkpts}
    </trkseg>
  </trk>
</gpx>
"""
    (dst / "x0001-001.gpx").write_text(gpx)
    wps = [{"latitude": round(lat, 8), "longitude": round(lon, 8), "timestamp": t.isoformat(timespec="milliseconds")}
           for lat, lon, t in pts]
    rec = {"user_id": "barefoot-munich", "event_id": "x0001-001", "waypoints": wps}
    (dst / "x0001-001.jsonl").write_text(dumps(rec) + "\n")
    print(f"barefoot-munich: {len(pts)} fixes")


def ikhyd():
    """Phone GPS fixes of two Iowa City drives with the car's OBD speed."""
    src, dst = SRC / "ikhyd-obd", OUT / "ikhyd-obd"
    dst.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src / "LICENSE.md", dst / "LICENSE.md")
    shutil.copyfile(src / "LICENSE", dst / "LICENSE")
    lines, obd_rows, fixes = [], [], 0
    for n, name in ((1, "trip_with_obd.txt"), (2, "trip2_with_obd.txt")):
        event = f"ikhyd-{n}"
        pts, times, speeds = [], [], []
        for line in (src / name).read_text().splitlines():
            t, kind, value = line.split(";")
            if kind == "010D":
                obd_rows.append([event, int(t), float(value)])
            elif kind == "gps":
                lat, lon, _v_pos, _fix_ms, _alt, _q, v_gps = value.split(":")
                # The logger's arrival time: the OBD's clock (the fix time is
                # another clock, offset by 0.5-1.5 s; data/README.md).
                pts.append((float(lat), float(lon)))
                times.append(int(t))
                speeds.append(round(float(v_gps) * 3.6, 2))
        rec = {
            "user_id": "ikhyd",
            "event_id": event,
            "encoded": encode_polyline(pts, 6),
            "precision": 6,
            "timestamps_ms": times,
            "speeds_kmh": speeds,
            "utc_offset_minutes": -300,
        }
        lines.append(dumps(rec))
        fixes += len(pts)
    (dst / "ikhyd.jsonl").write_text("\n".join(lines) + "\n")
    with open(dst / "obd_speed.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["event_id", "time_ms", "speed_kmh"])
        w.writerows(obd_rows)
    print(f"ikhyd-obd: {len(lines)} trips, {fixes} fixes, {len(obd_rows)} OBD speeds")


DELFT_RECEIVERS = ("GlobalSat", "GoPro_1Hz", "P20", "S9")


def delft():
    """Motorway drives around Rotterdam, four receivers each, with video-labelled lane changes."""
    src, dst = SRC / "delft-lane-changes", OUT / "delft-lane-changes"
    dst.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src / "LICENSE", dst / "LICENSE")
    lines, labels, fixes, changes = [], [], 0, 0
    for trip in (1, 2, 3):
        # `t` (s) is one clock for every receiver and the annotations (the
        # video's); the S9 phone's UTC time fixes its origin.
        with open(src / "gps" / f"0{trip}_S9.csv") as f:
            first = next(csv.DictReader(f))
        origin_ms = round(datetime.fromisoformat(first["time"]).timestamp() * 1000 - float(first["t"]) * 1000)
        with open(src / "annotations" / f"trip_{trip}.csv") as f:
            ann = list(csv.DictReader(f))
        for receiver in DELFT_RECEIVERS:
            with open(src / "gps" / f"0{trip}_{receiver}.csv") as f:
                rows = list(csv.DictReader(f))
            pts = [(float(r["lat_gps"]), float(r["lon_gps"])) for r in rows]
            times = [origin_ms + round(float(r["t"]) * 1000) for r in rows]
            event = f"delft-{trip}-{receiver}"
            rec = {
                "user_id": f"delft-{receiver}",
                "event_id": event,
                "encoded": encode_polyline(pts, 6),
                "precision": 6,
                "timestamps_ms": times,
            }
            if receiver == "GoPro_1Hz":
                # The GoPro's own speed (m/s); the GlobalSat's is missing on
                # 94 % of rows (written 0) and the phones log none.
                rec["speeds_kmh"] = [round(float(r["speed"]) * 3.6, 2) for r in rows]
            lines.append(dumps(rec))
            fixes += len(rows)
            maneuvers = []
            for a in ann:
                if not a["t_lc"]:
                    continue
                ms = origin_ms + round(float(a["t_lc"]) * 1000)
                maneuvers.append({"kind": "lane_switch", "start_ms": ms, "end_ms": ms})
            labels.append(dumps({"event_id": event, "kinds": ["lane_switch"], "maneuvers": maneuvers}))
        changes += sum(1 for a in ann if a["t_lc"])
    (dst / "delft.jsonl").write_text("\n".join(lines) + "\n")
    (dst / "lane_change_labels.jsonl").write_text("\n".join(labels) + "\n")
    print(f"delft-lane-changes: {len(lines)} trips, {fixes} fixes, {changes} lane changes per receiver")


if __name__ == "__main__":
    seed_trip()
    ndsbr()
    driveplotr()
    barefoot()
    ikhyd()
    delft()
