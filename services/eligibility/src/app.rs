//! The use cases of eligibility: domain values in, domain values or [`Error`] out.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};
use textport_domain::{AccountId, E164, NumberFacts, PLATFORM_NNID, Page, SharedClock};
use textport_platform::db::{DbFailure, failure};
use textport_sandbox::{MAGIC_RANGES, MagicRange};
use uuid::Uuid;

use crate::RoutingDatabase;
use crate::domain::{
    self, Activation, CampaignId, CampaignLink, CreateLink, DirectoryEntry, Eligibility,
    EligibilityStatus, HandoverRecord, LinkFilter, LinkSort, NnidHandover, NnidOutcome, NnidState,
    Portability, Screened, Seed, Stored, apply_seed, check_count, current_nnid, nnid_handover,
};
use crate::error::Error;
use crate::store::{self, campaigns};

/// One seed of a request, and where it sits there (for errors).
pub struct NumberSeed {
    pub number: E164,
    pub seed: Seed,
    pub at: String,
}

#[derive(Clone)]
pub struct App {
    db: DatabaseConnection,
    routing: Arc<dyn RoutingDatabase>,
    clock: SharedClock,
}

impl App {
    pub fn new(
        db: DatabaseConnection,
        routing: Arc<dyn RoutingDatabase>,
        clock: SharedClock,
    ) -> Self {
        Self { db, routing, clock }
    }

    /// One verdict per requested number, in request order.
    pub async fn check_hosted_eligibility(
        &self,
        caller: AccountId,
        raw: &[String],
    ) -> Result<Vec<Eligibility>, Error> {
        let screened = screen(raw)?;
        let facts = self.facts(&domain::candidates(&screened)).await?;
        Ok(screened
            .iter()
            .map(|s| domain::hosted_eligibility(caller, s, facts_of(s, &facts)))
            .collect())
    }

    /// One answer per requested number, in request order.
    pub async fn check_portability(&self, raw: &[String]) -> Result<Vec<Portability>, Error> {
        let screened = screen(raw)?;
        let facts = self
            .facts(&domain::portability_candidates(&screened))
            .await?;
        Ok(screened
            .iter()
            .map(|s| domain::portability(s, facts_of(s, &facts)))
            .collect())
    }

    /// What the directory knows of each number, in request order.
    pub async fn lookup(&self, numbers: &[E164]) -> Result<Vec<DirectoryEntry>, Error> {
        counted(numbers)?;
        self.entries(numbers).await
    }

    /// Applies each seed over its number's current facts and stores them all in one statement;
    /// a bad seed fails the whole request before anything is written. A number seeded twice is
    /// written once, with both seeds applied in order.
    pub async fn seed(&self, seeds: Vec<NumberSeed>) -> Result<Vec<DirectoryEntry>, Error> {
        check_count(seeds.len()).map_err(|error| Error::Request {
            field: "numbers",
            error,
        })?;
        let numbers: Vec<E164> = seeds.iter().map(|s| s.number.clone()).collect();
        let mut current = self.facts(&numbers).await?;
        let mut updated: Vec<(E164, NumberFacts)> = Vec::with_capacity(seeds.len());
        for NumberSeed { number, seed, at } in seeds {
            let base = current.remove(&number).ok_or_else(|| {
                Error::Routing(anyhow::anyhow!("a seeded number has no current facts"))
            })?;
            let facts = apply_seed(base, &seed).map_err(|error| Error::Seed { at, error })?;
            current.insert(number.clone(), facts.clone());
            match updated.iter_mut().find(|(seen, _)| *seen == number) {
                Some(entry) => entry.1 = facts,
                None => updated.push((number, facts)),
            }
        }
        let numbers: Vec<E164> = updated.iter().map(|(number, _)| number.clone()).collect();
        let txn = self.db.begin().await?;
        store::save(&txn, &updated, self.clock.now()).await?;
        // A seed that moves a number away from its holder ends the holder's link to it.
        let links = campaigns::links_of(&txn, &numbers).await?;
        let facts: HashMap<&E164, &NumberFacts> = updated.iter().map(|(n, f)| (n, f)).collect();
        let ended = domain::ended_links(&links, |number| facts.get(number).copied());
        campaigns::delete_for_numbers(&txn, &ended).await?;
        txn.commit().await?;
        self.entries(&numbers).await
    }

    /// Each number's verdict (with its 10DLC campaign) and, when every one is eligible and this
    /// is no dry run, the reservation of them all for the order.
    pub async fn reserve_for_order(
        &self,
        account: AccountId,
        order: Uuid,
        raw: &[String],
        dry_run: bool,
    ) -> Result<(Vec<(Eligibility, Option<String>)>, bool), Error> {
        let screened = screen(raw)?;
        let candidates = domain::candidates(&screened);
        let facts = self.facts(&candidates).await?;
        // Whichever account made the link: activation for this account would end it.
        let campaigns = campaigns::campaign_ids(&self.db, &candidates).await?;
        let verdicts: Vec<(Eligibility, Option<String>)> = screened
            .iter()
            .map(|s| {
                let number = match s {
                    Screened::Candidate(number) => Some(number),
                    _ => None,
                };
                let verdict =
                    domain::hosted_eligibility(account, s, number.and_then(|n| facts.get(n)));
                let campaign = number.and_then(|n| campaigns.get(n.as_str()).cloned());
                (verdict, campaign)
            })
            .collect();
        let all_eligible = verdicts
            .iter()
            .all(|(verdict, _)| verdict.status == EligibilityStatus::Eligible);
        if dry_run || !all_eligible {
            return Ok((verdicts, false));
        }
        // A transfer's number remembers whom it is taken from: activation checks it still is.
        let numbers: Vec<(E164, Option<AccountId>)> = candidates
            .into_iter()
            .map(|number| {
                let holder = verdicts
                    .iter()
                    .zip(&screened)
                    .find(|(_, s)| matches!(s, Screened::Candidate(n) if *n == number))
                    .and_then(|((verdict, _), _)| verdict.transfer_from);
                (number, holder)
            })
            .collect();
        let txn = self.db.begin().await?;
        let taken = store::reserve(&txn, order, account, &numbers, self.clock.now()).await?;
        if let Some(first) = taken.first() {
            txn.rollback().await?;
            let at = screened
                .iter()
                .position(|s| matches!(s, Screened::Candidate(number) if number == first))
                .unwrap_or(0);
            return Err(Error::Reserved { at });
        }
        txn.commit().await?;
        Ok((verdicts, true))
    }

    /// Activates hosting on the order's reserved numbers; see [`domain::activation`].
    pub async fn activate(
        &self,
        account: AccountId,
        order: Uuid,
        numbers: &[E164],
    ) -> Result<Vec<Activation>, Error> {
        counted(numbers)?;
        let reserved = store::reserved_for(&self.db, order, numbers).await?;
        let mut facts = self.facts(numbers).await?;
        // A number moving between accounts on the platform needs no NNID step: no carrier is asked.
        let asked: Vec<E164> = numbers
            .iter()
            .filter(|number| matches!(reserved.get(number.as_str()), Some(None)))
            .cloned()
            .collect();
        let answers: HashMap<&E164, domain::CarrierAnswer> = asked
            .iter()
            .zip(
                self.routing
                    .activate(&asked)
                    .await
                    .map_err(Error::Routing)?,
            )
            .collect();
        let mut outcomes = Vec::with_capacity(numbers.len());
        let mut hosted = Vec::new();
        let mut settled = Vec::new();
        for number in numbers {
            let current = facts.remove(number).ok_or_else(|| {
                Error::Routing(anyhow::anyhow!("an activated number has no facts"))
            })?;
            let reservation = reserved.get(number.as_str()).copied();
            let outcome =
                domain::activation(account, reservation, &current, answers.get(number).copied());
            if outcome.is_final() && reservation.is_some() {
                settled.push(number.clone());
                if outcome == Activation::Answered(domain::CarrierAnswer::Activated) {
                    hosted.push((number.clone(), domain::hosted_by(account, current.clone())));
                }
            }
            facts.insert(number.clone(), current);
            outcomes.push(outcome);
        }
        let now = self.clock.now();
        let txn = self.db.begin().await?;
        store::save(&txn, &hosted, now).await?;
        let activated: Vec<E164> = hosted.into_iter().map(|(number, _)| number).collect();
        store::clear_campaigns(&txn, &activated).await?;
        store::release(&txn, order, &settled).await?;
        txn.commit().await?;
        Ok(outcomes)
    }

    /// Numbers leave an order: its reservations go and, for deleted hosted numbers, the holding.
    pub async fn release(
        &self,
        order: Uuid,
        numbers: &[E164],
        unhost: Option<AccountId>,
    ) -> Result<(), Error> {
        let txn = self.db.begin().await?;
        store::release(&txn, order, numbers).await?;
        if let Some(account) = unhost {
            store::unhost(&txn, account, numbers, self.clock.now()).await?;
            // A link stands only while its account holds the number.
            campaigns::delete_own_numbers(&txn, account, numbers).await?;
        }
        txn.commit().await?;
        Ok(())
    }

    // === the NNID handover at a port ===

    /// Voice of `numbers` ported to `account` by `order` at `foc`: in one transaction each
    /// becomes the account's, with its losing carrier's answer to the NNID handover (asked
    /// before, so no transaction waits on a carrier). A number whose NNID is ours keeps it; one
    /// this order ported already is left alone, so asking again changes nothing. One state per
    /// requested number, in request order.
    pub async fn port(
        &self,
        account: AccountId,
        order: Uuid,
        numbers: &[E164],
        foc: DateTime<Utc>,
    ) -> Result<Vec<NnidState>, Error> {
        counted(numbers)?;
        let now = self.clock.now();
        let mut known = self.known(numbers).await?;
        let mut moving = Vec::with_capacity(known.len());
        for number in distinct(numbers) {
            let (facts, stored) = known.remove(&number).ok_or_else(unanswered)?;
            let record = handover_of(stored.as_ref());
            if record.ported_by == Some(order) {
                continue;
            }
            // A release that came already is written now: this port's record replaces its time.
            let nnid = current_nnid(facts.nnid.clone(), &record, now);
            let facts = NumberFacts {
                nnid,
                ..domain::ported_to(account, facts)
            };
            moving.push((number, facts));
        }
        let asked: Vec<E164> = moving
            .iter()
            .filter(|(_, facts)| facts.nnid != PLATFORM_NNID)
            .map(|(number, _)| number.clone())
            .collect();
        let releases = self
            .routing
            .hand_over_nnids(&asked, foc)
            .await
            .map_err(Error::Routing)?;
        let releases = one_each(&asked, releases)?;
        let releases: HashMap<E164, Option<DateTime<Utc>>> =
            asked.into_iter().zip(releases).collect();
        let ported: Vec<(E164, NumberFacts, Option<DateTime<Utc>>)> = moving
            .into_iter()
            .map(|(number, facts)| {
                let release_at = releases.get(&number).copied().flatten();
                (number, facts, release_at)
            })
            .collect();
        let moved: Vec<E164> = ported.iter().map(|(number, ..)| number.clone()).collect();
        let txn = self.db.begin().await?;
        store::port(&txn, order, &ported, now).await?;
        // A link stands only while its account holds the number.
        let links = campaigns::links_of(&txn, &moved).await?;
        let facts: HashMap<&E164, &NumberFacts> = ported
            .iter()
            .map(|(number, facts, _)| (number, facts))
            .collect();
        let ended = domain::ended_links(&links, |number| facts.get(number).copied());
        campaigns::delete_for_numbers(&txn, &ended).await?;
        txn.commit().await?;
        self.states(numbers).await
    }

    /// Where each number's handover stands now, in request order.
    pub async fn nnid_states(&self, numbers: &[E164]) -> Result<Vec<NnidState>, Error> {
        counted(numbers)?;
        self.states(numbers).await
    }

    /// The operator's override on each number whose NNID is not ours yet: where the routing
    /// database accepts it our NNID routes the number, where it refuses the number stays
    /// refused. In request order.
    pub async fn override_nnids(&self, numbers: &[E164]) -> Result<Vec<NnidState>, Error> {
        counted(numbers)?;
        let now = self.clock.now();
        let mut known = self.known(numbers).await?;
        let mut pending = Vec::with_capacity(known.len());
        for number in distinct(numbers) {
            let (facts, stored) = known.remove(&number).ok_or_else(unanswered)?;
            if nnid_handover(&facts.nnid, &handover_of(stored.as_ref()), now) != NnidHandover::Ours
            {
                pending.push((number, facts));
            }
        }
        let asked: Vec<E164> = pending.iter().map(|(number, _)| number.clone()).collect();
        let answers = self
            .routing
            .override_nnids(&asked)
            .await
            .map_err(Error::Routing)?;
        let mut ours = Vec::new();
        let mut refused = Vec::new();
        for (number, outcome) in pending.into_iter().zip(one_each(&asked, answers)?) {
            match outcome {
                NnidOutcome::Ours => ours.push(number),
                NnidOutcome::Refused => refused.push(number),
            }
        }
        let txn = self.db.begin().await?;
        store::settle(&txn, &ours, NnidOutcome::Ours, now).await?;
        store::settle(&txn, &refused, NnidOutcome::Refused, now).await?;
        txn.commit().await?;
        self.states(numbers).await
    }

    /// The sandbox, as the losing carrier, ends the number's handover as `outcome` says. A
    /// refusal leaves the NNID as it is: a number whose NNID is stored as ours (hosted, or
    /// overridden) has nothing left to refuse and stays OURS.
    pub async fn set_nnid_handover(
        &self,
        number: E164,
        outcome: NnidOutcome,
    ) -> Result<NnidState, Error> {
        let one = std::slice::from_ref(&number);
        let facts = self
            .facts(one)
            .await?
            .remove(&number)
            .ok_or_else(unanswered)?;
        store::settle(
            &self.db,
            &[(number.clone(), facts)],
            outcome,
            self.clock.now(),
        )
        .await?;
        self.states(one).await?.pop().ok_or_else(unanswered)
    }

    // === 10DLC campaign links ===

    /// Links a number the account holds to a campaign; see [`domain::create_link`] for a number
    /// that has a link already.
    pub async fn create_link(
        &self,
        account: AccountId,
        raw_number: &str,
        raw_campaign: &str,
    ) -> Result<CampaignLink, Error> {
        let number = domain::link_number(raw_number).map_err(Error::LinkNumber)?;
        let campaign = CampaignId::parse(raw_campaign).map_err(Error::CampaignId)?;
        let now = self.clock.now();
        let txn = self.db.begin().await?;
        held(&txn, account, &number).await?;
        let link = CampaignLink {
            number: number.clone(),
            account,
            campaign_id: campaign.as_str().to_owned(),
            created_at: now,
            updated_at: now,
        };
        let existing = campaigns::find(&txn, &number).await?;
        match domain::create_link(account, existing, &campaign) {
            CreateLink::Unchanged(existing) => return Ok(existing),
            CreateLink::Conflict(existing) => {
                return Err(Error::LinkConflict {
                    number,
                    campaign_id: existing.campaign_id,
                });
            }
            CreateLink::ReplaceStale => campaigns::replace(&txn, &link).await?,
            CreateLink::Insert => {
                campaigns::insert(&txn, &link)
                    .await
                    .map_err(|error| match failure(&error) {
                        // Another create won between our read and write: asking again answers it.
                        DbFailure::UniqueViolation => Error::Collided,
                        _ => Error::Store(error),
                    })?;
            }
        }
        txn.commit().await?;
        Ok(link)
    }

    /// One page of the account's links and how many match.
    pub async fn list_links(
        &self,
        account: AccountId,
        filter: &LinkFilter,
        sort: LinkSort,
        page: Page,
    ) -> Result<(Vec<CampaignLink>, u64), Error> {
        Ok(campaigns::list(&self.db, account, filter, sort, page).await?)
    }

    pub async fn get_link(
        &self,
        account: AccountId,
        raw_number: &str,
    ) -> Result<CampaignLink, Error> {
        let number = path_number(raw_number)?;
        campaigns::find_own(&self.db, account, &number)
            .await?
            .ok_or(Error::NoLink {
                number: Some(number),
            })
    }

    /// Moves the account's link of a number it still holds to another campaign.
    pub async fn update_link(
        &self,
        account: AccountId,
        raw_number: &str,
        raw_campaign: &str,
    ) -> Result<CampaignLink, Error> {
        let number = path_number(raw_number)?;
        let campaign = CampaignId::parse(raw_campaign).map_err(Error::CampaignId)?;
        let now = self.clock.now();
        let txn = self.db.begin().await?;
        held(&txn, account, &number).await?;
        let existing = campaigns::find_own(&txn, account, &number)
            .await?
            .ok_or_else(|| Error::NoLink {
                number: Some(number.clone()),
            })?;
        if existing.campaign_id == campaign.as_str() {
            return Ok(existing);
        }
        campaigns::set_campaign(&txn, account, &number, campaign.as_str(), now).await?;
        txn.commit().await?;
        Ok(CampaignLink {
            campaign_id: campaign.as_str().to_owned(),
            updated_at: now,
            ..existing
        })
    }

    /// Removes the account's link of a number and answers it as it was.
    pub async fn delete_link(
        &self,
        account: AccountId,
        raw_number: &str,
    ) -> Result<CampaignLink, Error> {
        let number = path_number(raw_number)?;
        let no_link = || Error::NoLink {
            number: Some(number.clone()),
        };
        let txn = self.db.begin().await?;
        let link = campaigns::find_own(&txn, account, &number)
            .await?
            .ok_or_else(no_link)?;
        if !campaigns::delete_own(&txn, account, &number).await? {
            return Err(no_link());
        }
        txn.commit().await?;
        Ok(link)
    }

    pub fn magic_numbers(&self) -> &'static [MagicRange] {
        MAGIC_RANGES
    }

    /// The facts of each number: one query for the directory, one routing call for the rest.
    async fn facts(&self, numbers: &[E164]) -> Result<HashMap<E164, NumberFacts>, Error> {
        Ok(self
            .known(numbers)
            .await?
            .into_iter()
            .map(|(number, (facts, _))| (number, facts))
            .collect())
    }

    /// One entry per requested number, in request order (a number listed twice appears twice),
    /// with the NNID that routes it now (see [`domain::nnid_handover`]).
    async fn entries(&self, numbers: &[E164]) -> Result<Vec<DirectoryEntry>, Error> {
        let known = self.known(numbers).await?;
        let campaigns = campaigns::campaign_ids(&self.db, numbers).await?;
        let now = self.clock.now();
        numbers
            .iter()
            .map(|number| {
                let (facts, stored) = known.get(number).ok_or_else(unanswered)?;
                let nnid = current_nnid(facts.nnid.clone(), &handover_of(stored.as_ref()), now);
                Ok(DirectoryEntry {
                    number: number.clone(),
                    facts: NumberFacts {
                        nnid,
                        ..facts.clone()
                    },
                    stored: stored.clone(),
                    campaign_id: campaigns.get(number.as_str()).cloned(),
                })
            })
            .collect()
    }

    /// One handover state per requested number, in request order.
    async fn states(&self, numbers: &[E164]) -> Result<Vec<NnidState>, Error> {
        let known = self.known(numbers).await?;
        let now = self.clock.now();
        numbers
            .iter()
            .map(|number| {
                let (facts, stored) = known.get(number).ok_or_else(unanswered)?;
                let record = handover_of(stored.as_ref());
                Ok(NnidState::at(
                    number.clone(),
                    facts.nnid.clone(),
                    &record,
                    now,
                ))
            })
            .collect()
    }

    /// Each distinct number's facts, and what the directory stored of it.
    async fn known(
        &self,
        numbers: &[E164],
    ) -> Result<HashMap<E164, (NumberFacts, Option<Stored>)>, Error> {
        let mut stored = store::load(&self.db, numbers).await?;
        let mut known = HashMap::with_capacity(numbers.len());
        let mut unstored: Vec<E164> = Vec::new();
        let mut listed: HashSet<&E164> = HashSet::with_capacity(numbers.len());
        for number in numbers.iter().filter(|number| listed.insert(number)) {
            match stored.remove(number.as_str()) {
                Some((facts, stored)) => {
                    known.insert(number.clone(), (facts, Some(stored)));
                }
                None => unstored.push(number.clone()),
            }
        }
        let routed = self
            .routing
            .lookup(&unstored)
            .await
            .map_err(Error::Routing)?;
        let routed = one_each(&unstored, routed)?;
        known.extend(
            unstored
                .into_iter()
                .zip(routed)
                .map(|(number, facts)| (number, (facts, None))),
        );
        Ok(known)
    }
}

/// The routing database's answers, if it gave one per asked number.
fn one_each<A, T>(asked: &[A], answers: Vec<T>) -> Result<Vec<T>, Error> {
    if answers.len() == asked.len() {
        Ok(answers)
    } else {
        Err(Error::Routing(anyhow::anyhow!(
            "the routing database answered {} of {} numbers",
            answers.len(),
            asked.len()
        )))
    }
}

fn unanswered() -> Error {
    Error::Routing(anyhow::anyhow!("a requested number has no answer"))
}

/// What the directory keeps of a number's handover; a number without a row was never ported.
fn handover_of(stored: Option<&Stored>) -> HandoverRecord {
    stored
        .map(|stored| stored.handover.clone())
        .unwrap_or_default()
}

/// Each number once, in request order: a request may list one twice, a statement may not.
fn distinct(numbers: &[E164]) -> Vec<E164> {
    let mut seen = HashSet::with_capacity(numbers.len());
    numbers
        .iter()
        .filter(|number| seen.insert(*number))
        .cloned()
        .collect()
}

fn counted(numbers: &[E164]) -> Result<(), Error> {
    check_count(numbers.len()).map_err(|error| Error::Request {
        field: "phone_numbers",
        error,
    })
}

/// Fails unless the account holds the number in the directory (only a directory row can say an
/// account holds it), locking the row so the holder cannot change before the transaction ends.
async fn held(txn: &impl ConnectionTrait, account: AccountId, number: &E164) -> Result<(), Error> {
    match store::load_locked(txn, number).await? {
        Some(facts) if domain::may_link(account, &facts) => Ok(()),
        _ => Err(Error::NotHeld {
            number: number.clone(),
        }),
    }
}

/// A number from a path: one that does not parse has no link.
fn path_number(raw: &str) -> Result<E164, Error> {
    E164::parse(raw).map_err(|_| Error::NoLink { number: None })
}

fn screen(raw: &[String]) -> Result<Vec<Screened>, Error> {
    domain::screen(raw).map_err(|error| Error::Request {
        field: "phone_numbers",
        error,
    })
}

fn facts_of<'a>(
    screened: &Screened,
    facts: &'a HashMap<E164, NumberFacts>,
) -> Option<&'a NumberFacts> {
    match screened {
        Screened::Candidate(number) | Screened::NotUs(number) => facts.get(number),
        Screened::NotE164 | Screened::Repeated => None,
    }
}

#[cfg(test)]
mod tests;
