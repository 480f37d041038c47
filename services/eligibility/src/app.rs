//! The use cases of eligibility: domain values in, domain values or [`Error`] out.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use sea_orm::DatabaseConnection;
use textport_domain::{AccountId, E164, NumberFacts, SharedClock};
use textport_sandbox::{MAGIC_RANGES, MagicRange};

use crate::RoutingDatabase;
use crate::domain::{
    self, DirectoryEntry, Eligibility, Portability, Screened, Seed, Stored, apply_seed, check_count,
};
use crate::error::Error;
use crate::store;

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
        check_count(numbers.len()).map_err(|error| Error::Request {
            field: "phone_numbers",
            error,
        })?;
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
        store::save(&self.db, &updated, self.clock.now()).await?;
        let numbers: Vec<E164> = updated.into_iter().map(|(number, _)| number).collect();
        self.entries(&numbers).await
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

    /// One entry per requested number, in request order (a number listed twice appears twice).
    async fn entries(&self, numbers: &[E164]) -> Result<Vec<DirectoryEntry>, Error> {
        let known = self.known(numbers).await?;
        numbers
            .iter()
            .map(|number| {
                let (facts, stored) = known.get(number).ok_or_else(|| {
                    Error::Routing(anyhow::anyhow!("a looked-up number has no answer"))
                })?;
                Ok(DirectoryEntry {
                    number: number.clone(),
                    facts: facts.clone(),
                    stored: stored.clone(),
                })
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
        if routed.len() != unstored.len() {
            return Err(Error::Routing(anyhow::anyhow!(
                "the routing database answered {} of {} numbers",
                routed.len(),
                unstored.len()
            )));
        }
        known.extend(
            unstored
                .into_iter()
                .zip(routed)
                .map(|(number, facts)| (number, (facts, None))),
        );
        Ok(known)
    }
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
