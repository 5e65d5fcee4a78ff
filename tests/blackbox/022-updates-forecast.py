"""022-updates-forecast: the forecast of SPEC section 1 (least squares over
the last 30 days, at least two points, else baseline-at-start to latest).

projected_at_due is the trend line evaluated at due, eta the instant
(or day) the line reaches target, required_rate_per_day the rate needed
from (now, current) to reach target by due."""

from harness import DAY, assert_close, iso, now, parse_when, project


def _eta_ts(eta):
    assert isinstance(eta, str), f"eta: {eta!r}"
    return parse_when(eta)


def _check_projection(f, rate, anchor_t, anchor_v, due, target):
    """projected_at_due and eta agree with the trend line through
    (anchor_t, anchor_v) with slope `rate` per day."""
    line = anchor_v + rate * (due - anchor_t) / DAY
    assert_close(f["projected_at_due"], line, 0.5, "projected_at_due")
    eta = _eta_ts(f["eta"])
    eta_line = anchor_t + (target - anchor_v) / rate * DAY
    # eta may be a calendar day: allow a day's rounding.
    assert abs(eta - eta_line) <= 1.01 * DAY, \
        f"eta {f['eta']}: the trend line reaches {target} at {iso(eta_line)}"


def test_forecast_from_one_update(d):
    t = now()
    body = project("parking", start=-50, due=50)
    d.create(body)
    # One point: the line from (start, 0) to (now-10d, 40): 1 per day.
    p = d.update("parking", {"value": 40, "at": iso(t - 10 * DAY)})["project"]
    f = p["forecast"]
    assert_close(f["rate_per_day"], 1.0, 0.001, "rate_per_day")
    assert_close(f["required_rate_per_day"], (350 - 40) / 50, 0.01,
                 "required_rate_per_day")
    # Trend line: 100 at due, 350 at now + 300 d.
    _check_projection(f, 1.0, t - 10 * DAY, 40, t + 50 * DAY, 350)


def test_forecast_least_squares_last_30_days(d):
    t = now()
    d.create(project("parking", start=-50, due=50))
    # An old point off the line, then three collinear points within 30 d
    # rising 2 per day. Including the old point would change the slope.
    for days, v in ((-45, 35), (-25, 30), (-20, 40), (-10, 60)):
        d.update("parking", {"value": v, "at": iso(t + days * DAY)})
    p = d.project("parking")
    f = p["forecast"]
    assert p["current"] == 60
    assert_close(f["rate_per_day"], 2.0, 0.01, "rate_per_day")
    assert_close(f["required_rate_per_day"], 290 / 50, 0.01,
                 "required_rate_per_day")
    # Trend line: 60 + 2 * 60 = 180 at due; 350 at now + 135 d.
    _check_projection(f, 2.0, t - 10 * DAY, 60, t + 50 * DAY, 350)


def test_forecast_eta_null_when_trend_never_reaches(d):
    t = now()
    d.create(project("parking", start=-50, due=50))
    d.update("parking", {"value": 50, "at": iso(t - 20 * DAY)})
    p = d.update("parking", {"value": 40, "at": iso(t - 10 * DAY)})["project"]
    f = p["forecast"]
    assert_close(f["rate_per_day"], -1.0, 0.001, "rate_per_day")
    assert f["eta"] is None, f"falling trend, eta {f['eta']!r}"


def test_forecast_burn_down(d):
    t = now()
    d.create(project("demolition", baseline=495, target=0, start=-50,
                     due=50))
    d.update("demolition", {"value": 400, "at": iso(t - 20 * DAY)})
    p = d.update("demolition",
                 {"value": 300, "at": iso(t - 10 * DAY)})["project"]
    f = p["forecast"]
    assert_close(f["rate_per_day"], -10, 0.01, "rate_per_day (signed)")
    assert_close(f["required_rate_per_day"], -300 / 50, 0.01,
                 "required_rate_per_day")
    # Trend line: -300 at due; 0 reached at now + 20 d.
    _check_projection(f, -10.0, t - 10 * DAY, 300, t + 50 * DAY, 0)


def test_forecast_done_project(d):
    t = now()
    d.create(project("parking", start=-50, due=50))
    d.update("parking", {"value": 100, "at": iso(t - 20 * DAY)})
    p = d.update("parking", {"value": 350, "at": iso(t - 5 * DAY)})["project"]
    assert p["status"] == "done"
    f = p["forecast"]
    # Reached: the eta is when it was reached (the latest update).
    assert abs(_eta_ts(f["eta"]) - (t - 5 * DAY)) <= 1.01 * DAY, f["eta"]
    assert_close(f["required_rate_per_day"], 0, 1e-9,
                 "required_rate_per_day once done")
