#!/usr/bin/env python3
"""A 2021-style CoWIN notifier, the peer of bench_vs_peer: standard library only, as the popular
scripts were. Each subscriber's district is polled in turn (one calendarByDistrict call per
subscription), the answer is read with json.loads, every session with capacity, the subscriber's
vaccine and an age limit at or under theirs is posted to the webhook once. It spends the same
budget as cowin-notifier: CALLS per PERIOD seconds, evenly spaced.

usage: peer_notifier.py BASE_URL SUBSCRIPTIONS.json HOOK_URL CALLS PERIOD_S DURATION_S
prints one JSON line: {"calls": N, "refused": N, "alerts": N}
"""
import datetime
import json
import sys
import time
import urllib.error
import urllib.request


def main():
    base, subs_file, hook, calls, period, duration = sys.argv[1:7]
    subs = json.load(open(subs_file))
    interval = float(period) / int(calls)
    end = time.monotonic() + float(duration)
    notified = set()
    made = refused = alerts = 0
    i = 0
    next_call = time.monotonic()
    while time.monotonic() < end:
        s = subs[i % len(subs)]
        i += 1
        today = (datetime.datetime.utcnow() + datetime.timedelta(hours=5, minutes=30)).strftime("%d-%m-%Y")
        url = "%s/api/v2/appointment/sessions/public/calendarByDistrict?district_id=%d&date=%s" % (
            base, s["district_id"], today)
        made += 1
        try:
            req = urllib.request.Request(url, headers={"User-Agent": "Mozilla/5.0", "Accept": "application/json"})
            data = json.loads(urllib.request.urlopen(req, timeout=10).read())
        except urllib.error.HTTPError:
            refused += 1
            data = {"centers": []}
        except Exception:
            data = {"centers": []}
        for c in data.get("centers", []):
            for sess in c.get("sessions", []):
                key = (s["id"], sess.get("session_id"))
                if (sess.get("available_capacity", 0) > 0 and sess.get("vaccine") == s["vaccine"]
                        and sess.get("min_age_limit", 99) <= s["age"] and key not in notified):
                    notified.add(key)
                    body = json.dumps({"subscription_id": s["id"], "session_id": sess["session_id"],
                                       "center": c.get("name"), "date": sess.get("date")}).encode()
                    try:
                        urllib.request.urlopen(urllib.request.Request(
                            hook, data=body, headers={"Content-Type": "application/json"}), timeout=10).read()
                        alerts += 1
                    except Exception:
                        pass
        next_call += interval
        time.sleep(max(0.0, next_call - time.monotonic()))
    print(json.dumps({"calls": made, "refused": refused, "alerts": alerts}))


if __name__ == "__main__":
    main()
