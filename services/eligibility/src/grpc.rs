//! The gRPC edge: proto requests become domain inputs, domain results become proto responses,
//! and every error passes through the platform's one error table.

use std::collections::HashMap;
use std::sync::Arc;

use sea_orm::{DatabaseConnection, DbErr};
use textport_domain::{AccountId, BillingCheck, E164, Holding, LineType, NumberFacts, SharedClock};
use textport_platform::{ApiError, ErrorKind, convert};
use textport_proto::eligibility::v1::{
    self as pb, directory_sandbox_service_server, eligibility_service_server,
    number_directory_service_server,
};
use tonic::{Request, Response, Status};

use crate::RoutingDatabase;
use crate::domain::{self, HoldingKind, RequestError, Screened, Seed};
use crate::store::{self, DirectoryRow};

/// Facts of numbers: the directory's row when there is one, else the routing database's answer.
#[derive(Clone)]
pub struct Directory {
    db: DatabaseConnection,
    routing: Arc<dyn RoutingDatabase>,
    clock: SharedClock,
}

struct Looked {
    facts: NumberFacts,
    row: Option<DirectoryRow>,
}

impl Directory {
    pub fn new(
        db: DatabaseConnection,
        routing: Arc<dyn RoutingDatabase>,
        clock: SharedClock,
    ) -> Self {
        Self { db, routing, clock }
    }

    /// One query for the directory, one call to the routing database for the rest.
    async fn look_up(&self, numbers: &[E164]) -> Result<HashMap<E164, Looked>, ApiError> {
        let mut rows = store::load(&self.db, numbers)
            .await
            .map_err(ApiError::internal)?;
        let unseeded: Vec<E164> = numbers
            .iter()
            .filter(|n| !rows.contains_key(n.as_str()))
            .cloned()
            .collect();
        let routed = self
            .routing
            .lookup(&unseeded)
            .await
            .map_err(ApiError::internal)?;
        if routed.len() != unseeded.len() {
            return Err(ApiError::internal(format_args!(
                "routing database answered {} of {} numbers",
                routed.len(),
                unseeded.len()
            )));
        }
        let mut found = HashMap::with_capacity(numbers.len());
        for (number, facts) in unseeded.into_iter().zip(routed) {
            found.insert(number, Looked { facts, row: None });
        }
        for number in numbers {
            if let Some(row) = rows.remove(number.as_str()) {
                let facts = row.facts().map_err(ApiError::internal)?;
                found.insert(
                    number.clone(),
                    Looked {
                        facts,
                        row: Some(row),
                    },
                );
            }
        }
        Ok(found)
    }
}

fn request_error(error: RequestError) -> ApiError {
    ApiError::at_pointer(ErrorKind::Validation, "/phone_numbers", error.detail())
}

// === impl EligibilityService ===

#[tonic::async_trait]
impl eligibility_service_server::EligibilityService for Directory {
    #[tracing::instrument(skip_all, fields(numbers = request.get_ref().phone_numbers.len()))]
    async fn check_hosted_eligibility(
        &self,
        request: Request<pb::CheckHostedEligibilityRequest>,
    ) -> Result<Response<pb::CheckHostedEligibilityResponse>, Status> {
        let request = request.into_inner();
        let caller = convert::caller(&request.account_id)?;
        let screened = domain::screen(&request.phone_numbers).map_err(request_error)?;
        let facts = self.look_up(&domain::candidates(&screened)).await?;
        let results = request
            .phone_numbers
            .into_iter()
            .zip(&screened)
            .map(|(phone_number, screened)| {
                let looked = candidate_facts(screened, &facts);
                let verdict = domain::hosted_eligibility(caller, screened, looked);
                pb::HostedEligibilityResult {
                    phone_number,
                    status: eligibility_status(verdict.status) as i32,
                    detail: verdict.detail,
                    transfer_from_account_id: verdict
                        .transfer_from
                        .map(|holder| holder.to_string()),
                }
            })
            .collect();
        Ok(Response::new(pb::CheckHostedEligibilityResponse {
            results,
        }))
    }

    #[tracing::instrument(skip_all, fields(numbers = request.get_ref().phone_numbers.len()))]
    async fn check_portability(
        &self,
        request: Request<pb::CheckPortabilityRequest>,
    ) -> Result<Response<pb::CheckPortabilityResponse>, Status> {
        let request = request.into_inner();
        convert::caller(&request.account_id)?;
        let screened = domain::screen(&request.phone_numbers).map_err(request_error)?;
        let facts = self
            .look_up(&domain::portability_candidates(&screened))
            .await?;
        let results = request
            .phone_numbers
            .into_iter()
            .zip(&screened)
            .map(|(phone_number, screened)| {
                let verdict = domain::portability(screened, candidate_facts(screened, &facts));
                pb::PortabilityResult {
                    phone_number,
                    portable: verdict.portable,
                    fast_portable: verdict.fast_portable,
                    not_portable_reason: verdict.not_portable_reason,
                    messaging_capable: verdict.messaging_capable,
                    carrier_name: verdict.carrier_name,
                    phone_number_type: verdict.phone_number_type,
                }
            })
            .collect();
        Ok(Response::new(pb::CheckPortabilityResponse { results }))
    }
}

fn candidate_facts<'a>(
    screened: &Screened,
    facts: &'a HashMap<E164, Looked>,
) -> Option<&'a NumberFacts> {
    match screened {
        Screened::Candidate(number) | Screened::NotUs(number) => {
            facts.get(number).map(|l| &l.facts)
        }
        Screened::NotE164 | Screened::Repeated => None,
    }
}

fn eligibility_status(status: domain::EligibilityStatus) -> pb::EligibilityStatus {
    use domain::EligibilityStatus as D;
    use pb::EligibilityStatus as P;
    match status {
        D::Eligible => P::Eligible,
        D::NumberCanNotBeRepeated => P::NumberCanNotBeRepeated,
        D::NumberCanNotBeValidated => P::NumberCanNotBeValidated,
        D::NumberCanNotBeWireless => P::NumberCanNotBeWireless,
        D::NumberCanNotBeActiveInYourAccount => P::NumberCanNotBeActiveInYourAccount,
        D::NumberCanNotHostedWithATelnyxSubscriber => P::NumberCanNotHostedWithATelnyxSubscriber,
        D::NumberCanNotBeInTelnyx => P::NumberCanNotBeInTelnyx,
        D::NumberIsNotAUsNumber => P::NumberIsNotAUsNumber,
        D::NumberIsNotAValidRoutingNumber => P::NumberIsNotAValidRoutingNumber,
        D::NumberIsNotInE164Format => P::NumberIsNotInE164Format,
        D::BillingAccountCheckFailed => P::BillingAccountCheckFailed,
        D::BillingAccountIsAbolished => P::BillingAccountIsAbolished,
    }
}

// === impl NumberDirectoryService ===

#[tonic::async_trait]
impl number_directory_service_server::NumberDirectoryService for Directory {
    #[tracing::instrument(skip_all, fields(numbers = request.get_ref().phone_numbers.len()))]
    async fn lookup_numbers(
        &self,
        request: Request<pb::LookupNumbersRequest>,
    ) -> Result<Response<pb::LookupNumbersResponse>, Status> {
        if request.get_ref().phone_numbers.len() > textport_domain::MAX_NUMBERS_PER_REQUEST {
            return Err(request_error(RequestError::TooManyNumbers).into());
        }
        let numbers = parse_numbers(
            request.get_ref().phone_numbers.iter().map(String::as_str),
            "/phone_numbers",
        )?;
        let mut facts = self.look_up(&numbers).await?;
        let numbers = numbers
            .iter()
            .filter_map(|number| {
                facts
                    .remove(number)
                    .map(|looked| number_facts(number, &looked))
            })
            .collect();
        Ok(Response::new(pb::LookupNumbersResponse { numbers }))
    }
}

fn parse_numbers<'a>(
    raw: impl Iterator<Item = &'a str>,
    pointer: &str,
) -> Result<Vec<E164>, ApiError> {
    raw.enumerate()
        .map(|(i, number)| {
            E164::parse(number).map_err(|e| {
                ApiError::at_pointer(
                    ErrorKind::InvalidPhoneNumber,
                    format!("{pointer}/{i}"),
                    e.to_string(),
                )
            })
        })
        .collect()
}

fn number_facts(number: &E164, looked: &Looked) -> pb::NumberFacts {
    let facts = &looked.facts;
    let (holding, holder, transferable) = match facts.holding {
        Holding::None => (pb::Holding::None, None, false),
        Holding::Inventory => (pb::Holding::Inventory, None, false),
        Holding::Account {
            holder,
            transferable,
        } => (pb::Holding::Account, Some(holder.to_string()), transferable),
    };
    pb::NumberFacts {
        phone_number: number.to_string(),
        routable: facts.routable,
        line_type: line_type_to_proto(facts.line_type) as i32,
        carrier_name: facts.carrier_name.clone(),
        nnid: facts.nnid.clone(),
        portable: facts.portable,
        fast_portable: facts.fast_portable,
        messaging_capable: facts.messaging_capable,
        billing_check: billing_to_proto(facts.billing_check) as i32,
        holding: holding as i32,
        holder_account_id: holder,
        transferable,
        seeded: looked.row.is_some(),
        campaign_id: looked.row.as_ref().and_then(|row| row.campaign_id.clone()),
        updated_at: looked
            .row
            .as_ref()
            .map(|row| convert::timestamp(row.updated_at)),
    }
}

fn line_type_to_proto(line_type: LineType) -> pb::LineType {
    match line_type {
        LineType::Landline => pb::LineType::Landline,
        LineType::Voip => pb::LineType::Voip,
        LineType::Wireless => pb::LineType::Wireless,
        LineType::TollFree => pb::LineType::TollFree,
    }
}

fn billing_to_proto(billing: BillingCheck) -> pb::BillingCheck {
    match billing {
        BillingCheck::Ok => pb::BillingCheck::Ok,
        BillingCheck::Failed => pb::BillingCheck::Failed,
        BillingCheck::Abolished => pb::BillingCheck::Abolished,
    }
}

// === impl DirectorySandboxService ===

#[tonic::async_trait]
impl directory_sandbox_service_server::DirectorySandboxService for Directory {
    async fn seed_number(
        &self,
        request: Request<pb::SeedNumberRequest>,
    ) -> Result<Response<pb::SeedNumberResponse>, Status> {
        let mut seeded = self.seed(vec![request.into_inner()], "").await?;
        Ok(Response::new(pb::SeedNumberResponse {
            number: seeded.pop(),
        }))
    }

    #[tracing::instrument(skip_all, fields(numbers = request.get_ref().numbers.len()))]
    async fn seed_numbers(
        &self,
        request: Request<pb::SeedNumbersRequest>,
    ) -> Result<Response<pb::SeedNumbersResponse>, Status> {
        let numbers = self.seed(request.into_inner().numbers, "/numbers").await?;
        Ok(Response::new(pb::SeedNumbersResponse { numbers }))
    }
}

impl Directory {
    /// Applies each seed over the number's current facts and writes them all at once; a bad seed
    /// fails the whole call before anything is written. `pointer` prefixes each seed's fields.
    async fn seed(
        &self,
        seeds: Vec<pb::SeedNumberRequest>,
        pointer: &str,
    ) -> Result<Vec<pb::NumberFacts>, ApiError> {
        if seeds.len() > textport_domain::MAX_NUMBERS_PER_REQUEST {
            return Err(ApiError::at_pointer(
                ErrorKind::Validation,
                pointer,
                "At most 1000 numbers can be seeded at once.",
            ));
        }
        let at = |i: usize, field: &str| {
            if pointer.is_empty() {
                format!("/{field}")
            } else {
                format!("{pointer}/{i}/{field}")
            }
        };
        let numbers = seeds
            .iter()
            .enumerate()
            .map(|(i, seed)| {
                E164::parse(&seed.phone_number).map_err(|e| {
                    ApiError::at_pointer(
                        ErrorKind::InvalidPhoneNumber,
                        at(i, "phone_number"),
                        e.to_string(),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut current = self.look_up(&numbers).await?;
        // A number seeded twice in one call is written once, with both seeds applied in order
        // (one statement may not touch a row twice on PostgreSQL).
        let mut updated: Vec<(E164, NumberFacts)> = Vec::with_capacity(seeds.len());
        for (i, (number, seed)) in numbers.into_iter().zip(&seeds).enumerate() {
            let base = current
                .remove(&number)
                .map(|l| l.facts)
                .ok_or_else(|| ApiError::internal("seeded number missing from look-up"))?;
            let changes = seed_from_proto(seed, |field| at(i, field))?;
            let facts = domain::apply_seed(base, &changes).map_err(|error| {
                ApiError::at_pointer(
                    ErrorKind::Validation,
                    at(i, error.field()),
                    error.to_string(),
                )
            })?;
            current.insert(
                number.clone(),
                Looked {
                    facts: facts.clone(),
                    row: None,
                },
            );
            match updated.iter_mut().find(|(seen, _)| *seen == number) {
                Some(entry) => entry.1 = facts,
                None => updated.push((number, facts)),
            }
        }
        let now = self.clock.now();
        store::save(&self.db, &updated, now)
            .await
            .map_err(ApiError::internal)?;
        let mut saved = store::load(
            &self.db,
            &updated.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>(),
        )
        .await
        .map_err(ApiError::internal)?;
        updated
            .into_iter()
            .map(|(number, facts)| {
                let row = saved.remove(number.as_str());
                Ok(number_facts(&number, &Looked { facts, row }))
            })
            .collect::<Result<Vec<_>, DbErr>>()
            .map_err(ApiError::internal)
    }
}

/// A proto seed as the domain's; unknown enum values and a malformed holder id name their field.
fn seed_from_proto(
    seed: &pb::SeedNumberRequest,
    at: impl Fn(&str) -> String,
) -> Result<Seed, ApiError> {
    let invalid_enum = |field: &str, choices: &str| {
        ApiError::at_pointer(
            ErrorKind::InvalidEnum,
            at(field),
            format!("{field} must be one of {choices}"),
        )
    };
    let line_type = seed
        .line_type
        .map(|raw| match pb::LineType::try_from(raw) {
            Ok(pb::LineType::Landline) => Ok(LineType::Landline),
            Ok(pb::LineType::Voip) => Ok(LineType::Voip),
            Ok(pb::LineType::Wireless) => Ok(LineType::Wireless),
            Ok(pb::LineType::TollFree) => Ok(LineType::TollFree),
            _ => Err(invalid_enum(
                "line_type",
                "landline, voip, wireless, toll_free",
            )),
        })
        .transpose()?;
    let billing_check = seed
        .billing_check
        .map(|raw| match pb::BillingCheck::try_from(raw) {
            Ok(pb::BillingCheck::Ok) => Ok(BillingCheck::Ok),
            Ok(pb::BillingCheck::Failed) => Ok(BillingCheck::Failed),
            Ok(pb::BillingCheck::Abolished) => Ok(BillingCheck::Abolished),
            _ => Err(invalid_enum("billing_check", "ok, failed, abolished")),
        })
        .transpose()?;
    let holding = seed
        .holding
        .map(|raw| match pb::Holding::try_from(raw) {
            Ok(pb::Holding::None) => Ok(HoldingKind::None),
            Ok(pb::Holding::Inventory) => Ok(HoldingKind::Inventory),
            Ok(pb::Holding::Account) => Ok(HoldingKind::Account),
            _ => Err(invalid_enum("holding", "none, inventory, account")),
        })
        .transpose()?;
    let holder = seed
        .holder_account_id
        .as_deref()
        .map(|raw| convert::id(&at("holder_account_id"), AccountId::parse, raw))
        .transpose()?;
    Ok(Seed {
        line_type,
        carrier_name: seed.carrier_name.clone(),
        nnid: seed.nnid.clone(),
        routable: seed.routable,
        portable: seed.portable,
        fast_portable: seed.fast_portable,
        messaging_capable: seed.messaging_capable,
        billing_check,
        holding,
        holder,
        transferable: seed.transferable,
    })
}
