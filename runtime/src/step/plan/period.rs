//! Quota periods on the UTC calendar: where the current day, week or month starts and ends,
//! with AWS's offset (days into the week, Monday first, or into the month).
//!
//! Plain integer arithmetic on days since the Unix epoch (Howard Hinnant's civil-date
//! algorithms), so no calendar crate is linked for three functions.

use crate::ir::{Quota, QuotaPeriod};

const DAY: i64 = 86_400;

/// The current period of `quota` at `now` (seconds since the epoch): `(start, end)` in seconds.
pub(crate) fn window(quota: &Quota, now: i64) -> (i64, i64) {
    let today = now.div_euclid(DAY);
    let (start, end) = match quota.period {
        QuotaPeriod::Day => (today, today + 1),
        QuotaPeriod::Week => {
            // 1970-01-01 was a Thursday: Monday is day 0 of a week when (days + 3) % 7 == 0.
            let offset = i64::from(quota.offset % 7);
            let into = (today + 3 - offset).rem_euclid(7);
            (today - into, today - into + 7)
        }
        QuotaPeriod::Month => {
            let (y, m, d) = civil_from_days(today);
            let start_day = |y: i64, m: u32| first_day(y, m, quota.offset);
            let this = start_day(y, m);
            if d >= this {
                let (ny, nm) = next_month(y, m);
                (
                    days_from_civil(y, m, this),
                    days_from_civil(ny, nm, start_day(ny, nm)),
                )
            } else {
                let (py, pm) = previous_month(y, m);
                (
                    days_from_civil(py, pm, start_day(py, pm)),
                    days_from_civil(y, m, this),
                )
            }
        }
    };
    (start * DAY, end * DAY)
}

/// The day of month a period starts on: the 1st plus `offset`, or the month's last day when
/// the month is shorter.
fn first_day(y: i64, m: u32, offset: u32) -> u32 {
    (1 + offset).min(days_in_month(y, m))
}

fn next_month(y: i64, m: u32) -> (i64, u32) {
    if m == 12 { (y + 1, 1) } else { (y, m + 1) }
}

fn previous_month(y: i64, m: u32) -> (i64, u32) {
    if m == 1 { (y - 1, 12) } else { (y, m - 1) }
}

fn days_in_month(y: i64, m: u32) -> u32 {
    let (ny, nm) = next_month(y, m);
    u32::try_from(days_from_civil(ny, nm, 1) - days_from_civil(y, m, 1)).unwrap_or(28)
}

/// `(year, month, day)` of a day number (days since 1970-01-01).
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// The day number of `(year, month, day)`.
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i64, m: u32, d: u32, secs: i64) -> i64 {
        days_from_civil(y, m, d) * DAY + secs
    }

    fn quota(period: QuotaPeriod, offset: u32) -> Quota {
        Quota {
            limit: 1,
            period,
            offset,
        }
    }

    #[test]
    fn civil_dates_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        for z in [-1_000_000, -1, 59, 60, 11_016, 20_000, 2_932_896] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z, "{y}-{m}-{d}");
        }
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(2026, 2), 28);
        assert_eq!(days_in_month(2026, 12), 31);
    }

    #[test]
    fn a_day_is_the_utc_day() {
        let now = at(2026, 12, 1, 16 * 3600);
        assert_eq!(
            window(&quota(QuotaPeriod::Day, 0), now),
            (at(2026, 12, 1, 0), at(2026, 12, 2, 0))
        );
    }

    #[test]
    fn a_week_starts_on_monday_plus_the_offset() {
        // 2026-12-01 is a Tuesday.
        let now = at(2026, 12, 1, 5);
        assert_eq!(
            window(&quota(QuotaPeriod::Week, 0), now),
            (at(2026, 11, 30, 0), at(2026, 12, 7, 0))
        );
        // Offset 1: weeks start on Tuesday, today.
        assert_eq!(
            window(&quota(QuotaPeriod::Week, 1), now),
            (at(2026, 12, 1, 0), at(2026, 12, 8, 0))
        );
        // Offset 2: on Wednesday, so the current week started last Wednesday.
        assert_eq!(
            window(&quota(QuotaPeriod::Week, 2), now),
            (at(2026, 11, 25, 0), at(2026, 12, 2, 0))
        );
    }

    #[test]
    fn a_month_starts_on_the_first_plus_the_offset() {
        let now = at(2026, 12, 1, 5);
        assert_eq!(
            window(&quota(QuotaPeriod::Month, 0), now),
            (at(2026, 12, 1, 0), at(2027, 1, 1, 0))
        );
        // Offset 14: the 15th; on the 1st the period began on November 15th.
        assert_eq!(
            window(&quota(QuotaPeriod::Month, 14), now),
            (at(2026, 11, 15, 0), at(2026, 12, 15, 0))
        );
        // Offset 30 is the 31st, or the last day of a shorter month.
        let feb = at(2026, 2, 28, 0);
        assert_eq!(
            window(&quota(QuotaPeriod::Month, 30), feb),
            (at(2026, 2, 28, 0), at(2026, 3, 31, 0))
        );
    }
}
