use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Duration, Timelike, Utc};

/// The only source of "now". Deadlines are computed from it, so tests move time instead of sleeping.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;
}

pub type SharedClock = Arc<dyn Clock>;

/// Wall-clock time, in whole microseconds: what PostgreSQL stores, so a value answered at
/// creation equals the value read back later.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        let now = Utc::now();
        now.with_nanosecond(now.timestamp_subsec_micros() * 1_000)
            .unwrap_or(now)
    }
}

/// Time that moves only when told to; clones share the same instant.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<Mutex<DateTime<Utc>>>,
}

impl ManualClock {
    pub fn starting_at(now: DateTime<Utc>) -> Self {
        Self {
            now: Arc::new(Mutex::new(now)),
        }
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        *now += by;
    }

    pub fn set(&self, to: DateTime<Utc>) {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner) = to;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told_and_clones_share_it() {
        let start = DateTime::from_timestamp(1_700_000_000, 0).expect("valid timestamp");
        let clock = ManualClock::starting_at(start);
        let other = clock.clone();
        assert_eq!(clock.now(), start);
        other.advance(Duration::hours(72));
        assert_eq!(clock.now(), start + Duration::hours(72));
        clock.set(start);
        assert_eq!(other.now(), start);
    }

    #[test]
    fn wall_clock_time_has_whole_microseconds() {
        assert_eq!(SystemClock.now().timestamp_subsec_nanos() % 1_000, 0);
    }
}
