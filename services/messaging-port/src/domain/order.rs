//! A porting order as its rules see it: the status, the messaging switch and profile, and each
//! number's messaging. Every change returns the webhooks it calls for.

use chrono::{DateTime, TimeDelta, Utc};
use textport_domain::{E164, MessagingProfileId};

use super::split::PortingFacts;
use super::status::{
    InvalidTransition, MessagingException, MessagingPortStatus, NumberEvent, NumberMessaging,
    OrderEvent, OrderStatus,
};

/// The JSON pointer of the messaging switch, for refusals about it.
pub const ENABLE_MESSAGING_POINTER: &str = "/messaging/enable_messaging";
/// The JSON pointer of the order's messaging profile, for refusals about it.
pub const MESSAGING_PROFILE_POINTER: &str = "/phone_number_configuration/messaging_profile_id";

/// A webhook a change calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Emit {
    StatusChanged {
        from: OrderStatus,
        to: OrderStatus,
    },
    MessagingChanged {
        from: MessagingPortStatus,
        to: MessagingPortStatus,
    },
    /// Beyond Telnyx: voice ported and messaging still lags, since `since`.
    MessagingDiverged {
        since: DateTime<Utc>,
    },
}

impl Emit {
    /// `data.event_type` of the webhook.
    pub fn event_type(self) -> &'static str {
        match self {
            Emit::StatusChanged { .. } => "porting_order.status_changed",
            Emit::MessagingChanged { .. } => "porting_order.messaging_changed",
            Emit::MessagingDiverged { .. } => "porting_order.messaging_diverged",
        }
    }
}

/// The webhooks of one write. A write that moves messaging twice (the port, then what the
/// directory already says of the NNIDs) tells one change, from where messaging was to where it
/// ended, since every payload shows the order as written; none if it came back where it was.
pub fn coalesce(emits: Vec<Emit>) -> Vec<Emit> {
    let mut coalesced: Vec<Emit> = Vec::with_capacity(emits.len());
    let mut messaging: Option<usize> = None;
    for emit in emits {
        match (emit, messaging) {
            (Emit::MessagingChanged { to, .. }, Some(at)) => {
                if let Emit::MessagingChanged { to: last, .. } = &mut coalesced[at] {
                    *last = to;
                }
            }
            (Emit::MessagingChanged { .. }, None) => {
                messaging = Some(coalesced.len());
                coalesced.push(emit);
            }
            (Emit::StatusChanged { .. } | Emit::MessagingDiverged { .. }, _) => {
                coalesced.push(emit);
            }
        }
    }
    coalesced.retain(|emit| !matches!(emit, Emit::MessagingChanged { from, to } if from == to));
    coalesced
}

/// Why a change to a porting order is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error(transparent)]
    Transition(#[from] InvalidTransition),
    #[error(
        "enable_messaging can only be set on a messaging-capable order, and not every phone number on this order is messaging-capable."
    )]
    NotMessagingCapable,
    #[error(
        "enable_messaging can only be set while the order is draft, in-process or exception; this order is {}.",
        .0.as_str()
    )]
    MessagingLocked(OrderStatus),
    #[error(
        "Messaging is enabled, so the order needs a messaging profile (phone_number_configuration.messaging_profile_id) before it can be confirmed."
    )]
    MissingMessagingProfile,
}

impl Refusal {
    /// The request field the refusal is about, as a JSON pointer.
    pub fn pointer(&self) -> Option<&'static str> {
        match self {
            Refusal::Transition(_) => None,
            Refusal::NotMessagingCapable | Refusal::MessagingLocked(_) => {
                Some(ENABLE_MESSAGING_POINTER)
            }
            Refusal::MissingMessagingProfile => Some(MESSAGING_PROFILE_POINTER),
        }
    }
}

/// Where a watched number's NNID stands, as the routing database says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nnid {
    /// Ours: the number's messaging routes to us.
    Ours,
    /// Still the losing carrier's; it has not answered.
    Waiting,
    /// The losing carrier refuses to release it.
    Refused,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortingNumber {
    pub phone_number: E164,
    pub messaging_capable: bool,
    pub carrier_name: String,
    pub phone_number_type: String,
    /// The order's messaging profile, given to the number when its messaging ports.
    pub messaging_profile_id: Option<MessagingProfileId>,
    pub messaging: NumberMessaging,
    /// While `activating`: when waiting for our NNID turns into an exception.
    pub watch_until: Option<DateTime<Utc>>,
    /// While `exception`: why.
    pub exception: Option<MessagingException>,
}

impl PortingNumber {
    pub fn new(phone_number: E164, messaging_capable: bool) -> Self {
        Self {
            phone_number,
            messaging_capable,
            carrier_name: String::new(),
            phone_number_type: String::new(),
            messaging_profile_id: None,
            messaging: NumberMessaging::NotApplicable,
            watch_until: None,
            exception: None,
        }
    }

    /// A number of a new order, with what the portability check said of it.
    pub fn with_facts(phone_number: E164, facts: &PortingFacts) -> Self {
        Self {
            carrier_name: facts.carrier_name.clone(),
            phone_number_type: facts.phone_number_type.clone(),
            ..Self::new(phone_number, facts.messaging_capable)
        }
    }

    /// Whether its messaging follows an NNID, which the losing carrier must release after the
    /// port. The seed says US/CA; the shared `E164` tells the US from the rest of `+1` but not
    /// Canada from the Caribbean, so every `+1` number is watched (a watch whose NNID is already
    /// ours only turns `ported` at the first check). Others port messaging with voice.
    pub fn needs_nnid_watch(&self) -> bool {
        self.phone_number.nanp_parts().is_some()
    }

    fn apply(&mut self, event: NumberEvent) -> Result<(), InvalidTransition> {
        self.messaging = self.messaging.apply(event)?;
        self.exception = match event {
            NumberEvent::Fail(reason) => Some(reason),
            _ => None,
        };
        if self.messaging != NumberMessaging::Activating {
            self.watch_until = None;
        }
        Ok(())
    }
}

/// The part of a porting order its rules look at; the store keeps the rest (ids, references,
/// end user, FOC dates, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortingOrder {
    pub status: OrderStatus,
    /// `null` until the customer sets it.
    pub enable_messaging: Option<bool>,
    /// Always [`roll_up`] of the numbers' messaging; kept so a change can tell it moved.
    pub messaging_port_status: MessagingPortStatus,
    pub messaging_profile_id: Option<MessagingProfileId>,
    /// When voice ported (the FOC).
    pub foc_datetime_actual: Option<DateTime<Utc>>,
    /// Beyond Telnyx: since when messaging lags voice past the alert threshold.
    pub divergence_since: Option<DateTime<Utc>>,
    pub numbers: Vec<PortingNumber>,
}

impl PortingOrder {
    /// A new draft, messaging off.
    pub fn new(numbers: Vec<PortingNumber>) -> Self {
        Self {
            status: OrderStatus::Draft,
            enable_messaging: None,
            messaging_port_status: MessagingPortStatus::NotApplicable,
            messaging_profile_id: None,
            foc_datetime_actual: None,
            divergence_since: None,
            numbers,
        }
    }

    /// `messaging.messaging_capable`: every number is.
    pub fn messaging_capable(&self) -> bool {
        !self.numbers.is_empty() && self.numbers.iter().all(|n| n.messaging_capable)
    }

    /// `messaging.messaging_port_completed`.
    pub fn messaging_port_completed(&self) -> bool {
        self.messaging_port_status.is_completed()
    }

    /// Why the order's messaging is in exception: the first number's reason.
    pub fn messaging_exception(&self) -> Option<MessagingException> {
        self.numbers.iter().find_map(|n| n.exception)
    }

    /// Sets `enable_messaging`: only on a messaging-capable order in `draft`, `in-process` or
    /// `exception`. The profile may come later; confirming and porting are what need it.
    pub fn set_enable_messaging(&mut self, enable: bool) -> Result<Vec<Emit>, Refusal> {
        if !self.messaging_capable() {
            return Err(Refusal::NotMessagingCapable);
        }
        if !self.status.accepts_messaging_changes() {
            return Err(Refusal::MessagingLocked(self.status));
        }
        let (from, event) = if enable {
            (NumberMessaging::NotApplicable, NumberEvent::Enable)
        } else {
            (NumberMessaging::Pending, NumberEvent::Disable)
        };
        let mut numbers = self.numbers.clone();
        for number in numbers.iter_mut().filter(|n| n.messaging == from) {
            number.apply(event)?;
        }
        self.numbers = numbers;
        self.enable_messaging = Some(enable);
        let mut emits = Vec::new();
        self.settle_messaging(&mut emits);
        Ok(emits)
    }

    /// Moves the order by `event`, and its numbers' messaging with it: at the FOC each number
    /// with messaging on is watched, ports with voice, or (no messaging profile) fails; a
    /// cancellation cancels messaging that was on. All or nothing.
    pub fn transition(&mut self, event: OrderEvent) -> Result<Vec<Emit>, Refusal> {
        let next = self.status.apply(event)?;
        if event == OrderEvent::Confirm
            && self.enable_messaging == Some(true)
            && self.messaging_profile_id.is_none()
        {
            return Err(Refusal::MissingMessagingProfile);
        }
        let mut numbers = self.numbers.clone();
        for number in numbers
            .iter_mut()
            .filter(|n| n.messaging == NumberMessaging::Pending)
        {
            match event {
                OrderEvent::Port { .. } if self.messaging_profile_id.is_none() => {
                    number.apply(NumberEvent::Fail(MessagingException::NoMessagingProfile))?;
                }
                OrderEvent::Port { watch_until } if number.needs_nnid_watch() => {
                    number.apply(NumberEvent::Watch)?;
                    number.watch_until = Some(watch_until);
                }
                OrderEvent::Port { .. } => number.apply(NumberEvent::PortWithVoice)?,
                OrderEvent::Cancel => number.apply(NumberEvent::Cancel)?,
                _ => {}
            }
        }
        self.numbers = numbers;
        let mut emits = vec![Emit::StatusChanged {
            from: self.status,
            to: next,
        }];
        self.status = next;
        self.settle_messaging(&mut emits);
        Ok(emits)
    }

    /// Only a draft may be deleted.
    pub fn ensure_deletable(&self) -> Result<(), InvalidTransition> {
        self.status.ensure_deletable()
    }

    /// Our NNID shows on the number at `index`: its messaging ported, on time or after an
    /// exception.
    pub fn nnid_shown(&mut self, index: usize) -> Result<Vec<Emit>, InvalidTransition> {
        self.move_number(index, NumberEvent::NnidShown)
    }

    /// What the routing database says of the watched number at `index`: our NNID ports its
    /// messaging (on time or after an exception); a refusal puts it in exception at once;
    /// waiting changes nothing (the watch's deadline does).
    pub fn nnid_seen(&mut self, index: usize, nnid: Nnid) -> Result<Vec<Emit>, InvalidTransition> {
        let number = &self.numbers[index];
        // Without a profile our NNID carries nothing: that exception waits for the profile.
        let profile_missing = number.exception == Some(MessagingException::NoMessagingProfile)
            && self.messaging_profile_id.is_none();
        match (nnid, number.messaging) {
            (Nnid::Ours, NumberMessaging::Activating | NumberMessaging::Exception)
                if !profile_missing =>
            {
                self.nnid_shown(index)
            }
            (Nnid::Refused, NumberMessaging::Activating) => {
                self.move_number(index, NumberEvent::Fail(MessagingException::NnidRefused))
            }
            _ => Ok(Vec::new()),
        }
    }

    /// Whether any number's messaging still waits on its NNID (watched, or in exception).
    pub fn is_watching(&self) -> bool {
        self.numbers.iter().any(|n| {
            matches!(
                n.messaging,
                NumberMessaging::Activating | NumberMessaging::Exception
            )
        })
    }

    /// The earliest deadline of a watched number.
    pub fn next_watch_deadline(&self) -> Option<DateTime<Utc>> {
        self.numbers.iter().filter_map(|n| n.watch_until).min()
    }

    /// Records when messaging started to lag voice past `threshold` (once: the alert fires the
    /// first time), and forgets it once messaging stopped lagging.
    pub fn watch_divergence(&mut self, now: DateTime<Utc>, threshold: TimeDelta) -> Vec<Emit> {
        let since = divergence_since(
            self.foc_datetime_actual,
            self.messaging_port_status,
            now,
            threshold,
        );
        match (since, self.divergence_since) {
            (Some(since), None) => {
                self.divergence_since = Some(since);
                vec![Emit::MessagingDiverged { since }]
            }
            (None, Some(_)) if !self.messaging_lags() => {
                self.divergence_since = None;
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn messaging_lags(&self) -> bool {
        matches!(
            self.messaging_port_status,
            MessagingPortStatus::Activating | MessagingPortStatus::Exception
        )
    }

    /// The operator gives up the messaging of the number at `index`.
    pub fn give_up(&mut self, index: usize) -> Result<Vec<Emit>, InvalidTransition> {
        self.move_number(index, NumberEvent::GiveUp)
    }

    /// Every watched number whose deadline is at or before `now` goes to `exception`.
    pub fn expire_watches(&mut self, now: DateTime<Utc>) -> Result<Vec<Emit>, InvalidTransition> {
        for number in &mut self.numbers {
            // Only an activating number has a deadline.
            if number.watch_until.is_some_and(|deadline| deadline <= now) {
                number.apply(NumberEvent::Fail(MessagingException::NnidNotReleased))?;
            }
        }
        let mut emits = Vec::new();
        self.settle_messaging(&mut emits);
        Ok(emits)
    }

    fn move_number(
        &mut self,
        index: usize,
        event: NumberEvent,
    ) -> Result<Vec<Emit>, InvalidTransition> {
        self.numbers[index].apply(event)?;
        let mut emits = Vec::new();
        self.settle_messaging(&mut emits);
        Ok(emits)
    }

    fn settle_messaging(&mut self, emits: &mut Vec<Emit>) {
        for number in &mut self.numbers {
            if number.messaging == NumberMessaging::Ported && number.messaging_profile_id.is_none()
            {
                number.messaging_profile_id = self.messaging_profile_id;
            }
        }
        let next = roll_up(self.numbers.iter().map(|n| n.messaging));
        if next != self.messaging_port_status {
            emits.push(Emit::MessagingChanged {
                from: self.messaging_port_status,
                to: next,
            });
            self.messaging_port_status = next;
        }
    }
}

/// The order's `messaging_port_status` its numbers imply: any number in exception makes it
/// `exception`; else any still watched, `activating`; else any not yet ported, `pending`; once
/// every number ported or was given up, `ported`, or `partial_port_complete` if any was given
/// up (even all of them: voice ported and nothing is left to try); numbers cancelled before the
/// port, `canceled`; messaging never on, `not_applicable`.
pub fn roll_up(numbers: impl IntoIterator<Item = NumberMessaging>) -> MessagingPortStatus {
    use MessagingPortStatus as M;
    use NumberMessaging as N;
    let numbers: Vec<NumberMessaging> = numbers.into_iter().collect();
    let any = |status| numbers.contains(&status);
    if any(N::Exception) {
        M::Exception
    } else if any(N::Activating) {
        M::Activating
    } else if any(N::Pending) {
        M::Pending
    } else if any(N::GivenUp) {
        M::PartialPortComplete
    } else if any(N::Ported) {
        M::Ported
    } else if any(N::Canceled) {
        M::Canceled
    } else {
        M::NotApplicable
    }
}

/// When voice and messaging started to diverge (beyond Telnyx): `threshold` after the FOC,
/// once that moment is past and messaging is still `activating` or in `exception`. `None` when
/// messaging ported, was settled otherwise, or the threshold is not reached yet. The answer
/// depends on the FOC, not on when it is asked, so a sweeper may ask again and again.
pub fn divergence_since(
    foc_datetime_actual: Option<DateTime<Utc>>,
    messaging: MessagingPortStatus,
    now: DateTime<Utc>,
    threshold: TimeDelta,
) -> Option<DateTime<Utc>> {
    let since = foc_datetime_actual? + threshold;
    let diverging = matches!(
        messaging,
        MessagingPortStatus::Activating | MessagingPortStatus::Exception
    );
    (diverging && since <= now).then_some(since)
}
