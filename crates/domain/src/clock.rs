use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Duration, Timelike, Utc};

/// The only source of "now". Deadlines are computed from it, so tests move time instead of sleeping.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;

    /// This clock as one that can be moved forward, when it is an [`OffsetClock`]: the gateway
    /// moves business time through it, and every other clock stays out of its reach.
    fn as_offset_clock(&self) -> Option<&OffsetClock> {
        None
    }
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

/// Wall-clock time plus an offset that only grows: the sandbox's business clock in `up`, which
/// every service reads and the sandbox API moves forward, so a test passes days without
/// sleeping. In whole microseconds like [`SystemClock`]; clones share the offset.
#[derive(Debug, Clone, Default)]
pub struct OffsetClock {
    offset_micros: Arc<AtomicI64>,
}

/// Why [`OffsetClock::advance`] refused to move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AdvanceError {
    /// Business time never goes back: deadlines already claimed and leases rely on it.
    #[error("the clock only moves forward, by at least a microsecond")]
    NotForward,
    #[error("the clock moves at most {} seconds more", .at_most.num_seconds())]
    TooFar { at_most: Duration },
}

impl OffsetClock {
    /// The most one step moves it.
    pub const MAX_STEP: Duration = Duration::days(400);
    /// The most it is ever ahead of the wall clock: far beyond any test, and near enough that
    /// no deadline computed from it overflows a date.
    pub const MAX_OFFSET: Duration = Duration::days(3650);

    pub fn new() -> Self {
        Self::default()
    }

    /// How far it is ahead of the wall clock.
    pub fn offset(&self) -> Duration {
        Duration::microseconds(self.offset_micros.load(Ordering::SeqCst))
    }

    /// Moves it forward by `by` (whole microseconds), at most [`Self::MAX_STEP`] at once and
    /// [`Self::MAX_OFFSET`] in all; answers the new offset.
    pub fn advance(&self, by: Duration) -> Result<Duration, AdvanceError> {
        if by < Duration::microseconds(1) {
            return Err(AdvanceError::NotForward);
        }
        let step = by.num_microseconds().unwrap_or(i64::MAX);
        let room = |current: i64| {
            let left = Self::MAX_OFFSET.num_microseconds().unwrap_or(i64::MAX) - current;
            left.min(Self::MAX_STEP.num_microseconds().unwrap_or(i64::MAX))
        };
        // Checked and moved in one atomic step, so two callers cannot both pass the limit.
        self.offset_micros
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |current| {
                (step <= room(current)).then(|| current + step)
            })
            .map(|previous| Duration::microseconds(previous + step))
            .map_err(|current| AdvanceError::TooFar {
                at_most: Duration::microseconds(room(current)),
            })
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> DateTime<Utc> {
        SystemClock.now() + self.offset()
    }

    fn as_offset_clock(&self) -> Option<&OffsetClock> {
        Some(self)
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

    #[test]
    fn offset_clock_is_wall_clock_plus_what_it_was_moved_and_clones_share_it() {
        let clock = OffsetClock::new();
        let other = clock.clone();
        assert_eq!(clock.offset(), Duration::zero());
        assert_eq!(other.advance(Duration::hours(72)), Ok(Duration::hours(72)));
        assert_eq!(
            clock.advance(Duration::minutes(1)),
            Ok(Duration::hours(72) + Duration::minutes(1))
        );
        let expected = SystemClock.now() + Duration::hours(72) + Duration::minutes(1);
        let now = other.now();
        assert!(
            (now - expected).abs() < Duration::seconds(5),
            "{now} vs {expected}"
        );
        assert_eq!(now.timestamp_subsec_nanos() % 1_000, 0);
    }

    #[test]
    fn offset_clock_never_goes_back_or_absurdly_far() {
        let clock = OffsetClock::new();
        for by in [
            Duration::zero(),
            Duration::seconds(-1),
            Duration::nanoseconds(999),
        ] {
            assert_eq!(clock.advance(by), Err(AdvanceError::NotForward), "{by}");
        }
        assert_eq!(
            clock.advance(OffsetClock::MAX_STEP + Duration::microseconds(1)),
            Err(AdvanceError::TooFar {
                at_most: OffsetClock::MAX_STEP
            })
        );
        assert_eq!(
            clock.advance(Duration::MAX),
            Err(AdvanceError::TooFar {
                at_most: OffsetClock::MAX_STEP
            })
        );
        assert_eq!(
            clock.offset(),
            Duration::zero(),
            "a refused step moves nothing"
        );
        while clock.offset() + OffsetClock::MAX_STEP <= OffsetClock::MAX_OFFSET {
            clock
                .advance(OffsetClock::MAX_STEP)
                .expect("within the limit");
        }
        let left = OffsetClock::MAX_OFFSET - clock.offset();
        assert_eq!(
            clock.advance(left + Duration::seconds(1)),
            Err(AdvanceError::TooFar { at_most: left })
        );
        assert_eq!(clock.advance(left), Ok(OffsetClock::MAX_OFFSET));
        assert_eq!(
            clock.advance(Duration::seconds(1)),
            Err(AdvanceError::TooFar {
                at_most: Duration::zero()
            })
        );
    }

    #[test]
    fn only_an_offset_clock_can_be_moved_through_the_trait() {
        let shared: SharedClock = Arc::new(OffsetClock::new());
        let moved = shared.as_offset_clock().expect("an offset clock");
        moved.advance(Duration::seconds(10)).expect("moves");
        assert_eq!(
            shared.as_offset_clock().map(OffsetClock::offset),
            Some(Duration::seconds(10))
        );
        let wall: SharedClock = Arc::new(SystemClock);
        assert!(wall.as_offset_clock().is_none());
    }
}
