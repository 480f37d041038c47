//! The gRPC edge of eligibility: proto requests become domain values, the app answers, and
//! domain values become proto responses. No rules and no storage here.

use prost::Message as _;
use textport_domain::{AccountId, BillingCheck, E164, Holding, LineType};
use textport_platform::{ApiError, ErrorKind, convert};
use textport_proto::eligibility::v1::{
    self as pb, RELEASE_NUMBERS_KIND, campaign_service_server, directory_sandbox_service_server,
    eligibility_service_server, number_directory_service_server,
};
use textport_proto::events::v1::{self as events_pb, event_sink_service_server};
use tonic::{Request, Response, Status};
use uuid::Uuid;

use crate::app::{App, NumberSeed};
use crate::domain::{
    Activation, CampaignLink, CarrierAnswer, DirectoryEntry, Eligibility, EligibilityStatus,
    HoldingKind, LinkFilter, LinkOrder, LinkSort, NnidHandover, NnidOutcome, NnidState, Seed,
    check_count,
};
use crate::error::Error;

#[derive(Clone)]
pub struct EligibilityApi {
    app: App,
}

impl EligibilityApi {
    pub fn new(app: App) -> Self {
        Self { app }
    }
}

// === impl EligibilityService ===

#[tonic::async_trait]
impl eligibility_service_server::EligibilityService for EligibilityApi {
    #[tracing::instrument(skip_all, fields(numbers = request.get_ref().phone_numbers.len()))]
    async fn check_hosted_eligibility(
        &self,
        request: Request<pb::CheckHostedEligibilityRequest>,
    ) -> Result<Response<pb::CheckHostedEligibilityResponse>, Status> {
        let request = request.into_inner();
        let caller = convert::caller(&request.account_id)?;
        let verdicts = self
            .app
            .check_hosted_eligibility(caller, &request.phone_numbers)
            .await?;
        let results = request
            .phone_numbers
            .into_iter()
            .zip(verdicts)
            .map(|(phone_number, verdict)| eligibility_result(phone_number, verdict, None))
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
        let verdicts = self.app.check_portability(&request.phone_numbers).await?;
        let results = request
            .phone_numbers
            .into_iter()
            .zip(verdicts)
            .map(|(phone_number, verdict)| pb::PortabilityResult {
                phone_number,
                portable: verdict.portable,
                fast_portable: verdict.fast_portable,
                not_portable_reason: verdict.not_portable_reason,
                messaging_capable: verdict.messaging_capable,
                carrier_name: verdict.carrier_name,
                phone_number_type: verdict.phone_number_type.map(str::to_owned),
            })
            .collect();
        Ok(Response::new(pb::CheckPortabilityResponse { results }))
    }
}

fn eligibility_result(
    phone_number: String,
    verdict: Eligibility,
    campaign_id: Option<String>,
) -> pb::HostedEligibilityResult {
    pb::HostedEligibilityResult {
        phone_number,
        status: pb::EligibilityStatus::from(verdict.status) as i32,
        detail: verdict.detail,
        transfer_from_account_id: verdict.transfer_from.map(|holder| holder.to_string()),
        campaign_id,
    }
}

impl From<EligibilityStatus> for pb::EligibilityStatus {
    fn from(status: EligibilityStatus) -> Self {
        use EligibilityStatus as D;
        use pb::EligibilityStatus as P;
        match status {
            D::Eligible => P::Eligible,
            D::NumberCanNotBeRepeated => P::NumberCanNotBeRepeated,
            D::NumberCanNotBeValidated => P::NumberCanNotBeValidated,
            D::NumberCanNotBeWireless => P::NumberCanNotBeWireless,
            D::NumberCanNotBeActiveInYourAccount => P::NumberCanNotBeActiveInYourAccount,
            D::NumberCanNotHostedWithATelnyxSubscriber => {
                P::NumberCanNotHostedWithATelnyxSubscriber
            }
            D::NumberCanNotBeInTelnyx => P::NumberCanNotBeInTelnyx,
            D::NumberIsNotAUsNumber => P::NumberIsNotAUsNumber,
            D::NumberIsNotAValidRoutingNumber => P::NumberIsNotAValidRoutingNumber,
            D::NumberIsNotInE164Format => P::NumberIsNotInE164Format,
            D::BillingAccountCheckFailed => P::BillingAccountCheckFailed,
            D::BillingAccountIsAbolished => P::BillingAccountIsAbolished,
        }
    }
}

// === impl NumberDirectoryService ===

#[tonic::async_trait]
impl number_directory_service_server::NumberDirectoryService for EligibilityApi {
    #[tracing::instrument(skip_all, fields(numbers = request.get_ref().phone_numbers.len()))]
    async fn lookup_numbers(
        &self,
        request: Request<pb::LookupNumbersRequest>,
    ) -> Result<Response<pb::LookupNumbersResponse>, Status> {
        capped("phone_numbers", request.get_ref().phone_numbers.len())?;
        let numbers = request
            .get_ref()
            .phone_numbers
            .iter()
            .enumerate()
            .map(|(i, raw)| number(raw, &format!("/phone_numbers/{i}")))
            .collect::<Result<Vec<_>, _>>()?;
        let entries = self.app.lookup(&numbers).await?;
        Ok(Response::new(pb::LookupNumbersResponse {
            numbers: entries.into_iter().map(Into::into).collect(),
        }))
    }

    #[tracing::instrument(skip_all, fields(
        textport.order.id = %request.get_ref().order_id,
        numbers = request.get_ref().phone_numbers.len(),
    ))]
    async fn reserve_for_order(
        &self,
        request: Request<pb::ReserveForOrderRequest>,
    ) -> Result<Response<pb::ReserveForOrderResponse>, Status> {
        let request = request.into_inner();
        let caller = convert::caller(&request.account_id)?;
        let order = order_id(&request.order_id)?;
        let (verdicts, reserved) = self
            .app
            .reserve_for_order(caller, order, &request.phone_numbers, request.dry_run)
            .await?;
        let results = request
            .phone_numbers
            .into_iter()
            .zip(verdicts)
            .map(|(phone_number, (verdict, campaign))| {
                eligibility_result(phone_number, verdict, campaign)
            })
            .collect();
        Ok(Response::new(pb::ReserveForOrderResponse {
            results,
            reserved,
        }))
    }

    #[tracing::instrument(skip_all, fields(
        textport.order.id = %request.get_ref().order_id,
        numbers = request.get_ref().phone_numbers.len(),
    ))]
    async fn activate_numbers(
        &self,
        request: Request<pb::ActivateNumbersRequest>,
    ) -> Result<Response<pb::ActivateNumbersResponse>, Status> {
        let request = request.into_inner();
        let caller = convert::caller(&request.account_id)?;
        let order = order_id(&request.order_id)?;
        capped("phone_numbers", request.phone_numbers.len())?;
        let numbers = numbers(&request.phone_numbers)?;
        let outcomes = self.app.activate(caller, order, &numbers).await?;
        let results = numbers
            .iter()
            .zip(outcomes)
            .map(|(number, outcome)| {
                let (outcome, detail) = activation_to_proto(outcome);
                pb::ActivationResult {
                    phone_number: number.to_string(),
                    outcome: outcome as i32,
                    detail: detail.to_owned(),
                }
            })
            .collect();
        Ok(Response::new(pb::ActivateNumbersResponse { results }))
    }

    #[tracing::instrument(skip_all, fields(
        textport.order.id = %request.get_ref().porting_order_id,
        numbers = request.get_ref().phone_numbers.len(),
    ))]
    async fn port_numbers(
        &self,
        request: Request<pb::PortNumbersRequest>,
    ) -> Result<Response<pb::PortNumbersResponse>, Status> {
        let request = request.into_inner();
        let caller = convert::caller(&request.account_id)?;
        let order = uuid_at("/porting_order_id", &request.porting_order_id)?;
        capped("phone_numbers", request.phone_numbers.len())?;
        let numbers = numbers(&request.phone_numbers)?;
        let foc = convert::datetime(request.foc_at.as_ref()).ok_or_else(|| {
            ApiError::at_pointer(
                ErrorKind::Validation,
                "/foc_at",
                "foc_at, the time voice ported, is required",
            )
        })?;
        let states = self.app.port(caller, order, &numbers, foc).await?;
        Ok(Response::new(pb::PortNumbersResponse {
            numbers: states.into_iter().map(Into::into).collect(),
        }))
    }

    #[tracing::instrument(skip_all, fields(numbers = request.get_ref().phone_numbers.len()))]
    async fn get_nnid_states(
        &self,
        request: Request<pb::GetNnidStatesRequest>,
    ) -> Result<Response<pb::GetNnidStatesResponse>, Status> {
        capped("phone_numbers", request.get_ref().phone_numbers.len())?;
        let numbers = numbers(&request.get_ref().phone_numbers)?;
        let states = self.app.nnid_states(&numbers).await?;
        Ok(Response::new(pb::GetNnidStatesResponse {
            numbers: states.into_iter().map(Into::into).collect(),
        }))
    }

    #[tracing::instrument(skip_all, fields(numbers = request.get_ref().phone_numbers.len()))]
    async fn override_nnids(
        &self,
        request: Request<pb::OverrideNnidsRequest>,
    ) -> Result<Response<pb::OverrideNnidsResponse>, Status> {
        capped("phone_numbers", request.get_ref().phone_numbers.len())?;
        let numbers = numbers(&request.get_ref().phone_numbers)?;
        let states = self.app.override_nnids(&numbers).await?;
        Ok(Response::new(pb::OverrideNnidsResponse {
            numbers: states.into_iter().map(Into::into).collect(),
        }))
    }
}

fn order_id(raw: &str) -> Result<Uuid, ApiError> {
    uuid_at("/order_id", raw)
}

fn uuid_at(pointer: &str, raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw)
        .map_err(|error| ApiError::at_pointer(ErrorKind::Validation, pointer, error.to_string()))
}

impl From<NnidState> for pb::NnidState {
    fn from(state: NnidState) -> Self {
        pb::NnidState {
            phone_number: state.number.to_string(),
            handover: pb::NnidHandover::from(state.handover) as i32,
            nnid: state.nnid,
        }
    }
}

impl From<NnidHandover> for pb::NnidHandover {
    fn from(handover: NnidHandover) -> Self {
        match handover {
            NnidHandover::Ours => pb::NnidHandover::Ours,
            NnidHandover::Waiting => pb::NnidHandover::Waiting,
            NnidHandover::Refused => pb::NnidHandover::Refused,
            NnidHandover::None => pb::NnidHandover::None,
        }
    }
}

fn numbers(raw: &[String]) -> Result<Vec<E164>, ApiError> {
    raw.iter()
        .enumerate()
        .map(|(i, raw)| number(raw, &format!("/phone_numbers/{i}")))
        .collect()
}

fn activation_to_proto(outcome: Activation) -> (pb::ActivationOutcome, &'static str) {
    use pb::ActivationOutcome as P;
    match outcome {
        Activation::NotReserved => (P::NotReserved, "The number is not reserved for this order"),
        Activation::HolderChanged => (
            P::Failed,
            "The account the number was to be transferred from no longer holds it (released, \
             deleted or moved since the order)",
        ),
        Activation::Answered(answer) => match answer {
            CarrierAnswer::Activated => {
                (P::Activated, "Our NNID now routes the number's messaging")
            }
            CarrierAnswer::Pending => (P::Pending, "The losing carrier has not answered yet"),
            CarrierAnswer::CarrierRejected => (
                P::CarrierRejected,
                "The losing carrier rejected the hosting request",
            ),
            CarrierAnswer::IneligibleCarrier => (
                P::IneligibleCarrier,
                "The number's carrier does not support hosted messaging",
            ),
            CarrierAnswer::NotFound => (
                P::NotFound,
                "The number is no longer in the routing database",
            ),
            CarrierAnswer::AlreadyHosted => (
                P::AlreadyHosted,
                "Another platform already hosts the number's messaging",
            ),
            CarrierAnswer::Failed => (P::Failed, "The routing database refused the change"),
        },
    }
}

// === impl CampaignService ===

#[tonic::async_trait]
impl campaign_service_server::CampaignService for EligibilityApi {
    async fn create_phone_number_campaign(
        &self,
        request: Request<pb::CreatePhoneNumberCampaignRequest>,
    ) -> Result<Response<pb::CreatePhoneNumberCampaignResponse>, Status> {
        let request = request.into_inner();
        let caller = convert::caller(&request.account_id)?;
        let link = self
            .app
            .create_link(caller, &request.phone_number, &request.campaign_id)
            .await?;
        Ok(Response::new(pb::CreatePhoneNumberCampaignResponse {
            link: Some(link.into()),
        }))
    }

    async fn list_phone_number_campaigns(
        &self,
        request: Request<pb::ListPhoneNumberCampaignsRequest>,
    ) -> Result<Response<pb::ListPhoneNumberCampaignsResponse>, Status> {
        let request = request.into_inner();
        let caller = convert::caller(&request.account_id)?;
        let page = convert::page(request.page.as_ref())?;
        let filter = LinkFilter::new(
            request.campaign_id,
            request.brand_id.as_deref(),
            request.tcr_brand_id.as_deref(),
            request.tcr_campaign_id.as_deref(),
        );
        let sort = link_sort(request.sort)?;
        let (links, total) = self.app.list_links(caller, &filter, sort, page).await?;
        Ok(Response::new(pb::ListPhoneNumberCampaignsResponse {
            links: links.into_iter().map(Into::into).collect(),
            page: Some(convert::page_info(page.info(total))),
        }))
    }

    async fn get_phone_number_campaign(
        &self,
        request: Request<pb::GetPhoneNumberCampaignRequest>,
    ) -> Result<Response<pb::GetPhoneNumberCampaignResponse>, Status> {
        let request = request.into_inner();
        let caller = convert::caller(&request.account_id)?;
        let link = self.app.get_link(caller, &request.phone_number).await?;
        Ok(Response::new(pb::GetPhoneNumberCampaignResponse {
            link: Some(link.into()),
        }))
    }

    async fn update_phone_number_campaign(
        &self,
        request: Request<pb::UpdatePhoneNumberCampaignRequest>,
    ) -> Result<Response<pb::UpdatePhoneNumberCampaignResponse>, Status> {
        let request = request.into_inner();
        let caller = convert::caller(&request.account_id)?;
        let link = self
            .app
            .update_link(caller, &request.phone_number, &request.campaign_id)
            .await?;
        Ok(Response::new(pb::UpdatePhoneNumberCampaignResponse {
            link: Some(link.into()),
        }))
    }

    async fn delete_phone_number_campaign(
        &self,
        request: Request<pb::DeletePhoneNumberCampaignRequest>,
    ) -> Result<Response<pb::DeletePhoneNumberCampaignResponse>, Status> {
        let request = request.into_inner();
        let caller = convert::caller(&request.account_id)?;
        let link = self.app.delete_link(caller, &request.phone_number).await?;
        Ok(Response::new(pb::DeletePhoneNumberCampaignResponse {
            link: Some(link.into()),
        }))
    }
}

fn link_sort(raw: i32) -> Result<LinkSort, ApiError> {
    use pb::PhoneNumberCampaignSort as P;
    let (by, descending) = match P::try_from(raw) {
        Ok(P::Unspecified) => return Ok(LinkSort::default()),
        Ok(P::PhoneNumber) => (LinkOrder::PhoneNumber, false),
        Ok(P::PhoneNumberDesc) => (LinkOrder::PhoneNumber, true),
        Ok(P::CreatedAt) => (LinkOrder::CreatedAt, false),
        Ok(P::CreatedAtDesc) => (LinkOrder::CreatedAt, true),
        Ok(P::AssignmentStatus) => (LinkOrder::AssignmentStatus, false),
        Ok(P::AssignmentStatusDesc) => (LinkOrder::AssignmentStatus, true),
        Err(_) => {
            return Err(ApiError::at_parameter(
                ErrorKind::InvalidEnum,
                "sort",
                "sort must be one of phoneNumber, createdAt, assignmentStatus, each optionally \
                 prefixed with '-'.",
            ));
        }
    };
    Ok(LinkSort { by, descending })
}

impl From<CampaignLink> for pb::PhoneNumberCampaign {
    fn from(link: CampaignLink) -> Self {
        pb::PhoneNumberCampaign {
            phone_number: link.number.to_string(),
            campaign_id: link.campaign_id,
            // No campaign registry to wait on: a stored link is assigned.
            assignment_status: pb::CampaignAssignmentStatus::Assigned as i32,
            created_at: Some(convert::timestamp(link.created_at)),
            updated_at: Some(convert::timestamp(link.updated_at)),
        }
    }
}

// === impl EventSinkService ===

#[tonic::async_trait]
impl event_sink_service_server::EventSinkService for EligibilityApi {
    async fn deliver(
        &self,
        request: Request<events_pb::DeliverRequest>,
    ) -> Result<Response<events_pb::DeliverResponse>, Status> {
        for event in request.into_inner().events {
            match release_of(&event) {
                Ok((order, numbers, unhost)) => self.app.release(order, &numbers, unhost).await?,
                // Sending it again cannot fix it, and refusing the batch would hold back the
                // valid events sent with it: it is logged and acknowledged.
                Err(error) => {
                    tracing::error!(%error, event = %event.id, "an event that cannot be applied was dropped")
                }
            }
        }
        Ok(Response::new(events_pb::DeliverResponse {}))
    }
}

/// Releasing is idempotent, so a resent event is simply applied again.
fn release_of(
    event: &events_pb::SinkEvent,
) -> Result<(Uuid, Vec<E164>, Option<AccountId>), ApiError> {
    if event.kind != RELEASE_NUMBERS_KIND {
        return Err(ApiError::at_pointer(
            ErrorKind::Validation,
            "/kind",
            format!(
                "eligibility takes {RELEASE_NUMBERS_KIND}, not {}",
                event.kind
            ),
        ));
    }
    let release = pb::ReleaseNumbers::decode(event.body.as_slice())
        .map_err(|error| ApiError::at_pointer(ErrorKind::Validation, "/body", error.to_string()))?;
    let unhost = release
        .unhost_account_id
        .as_deref()
        .map(|raw| convert::id("/body/unhost_account_id", AccountId::parse, raw))
        .transpose()?;
    Ok((
        order_id(&release.order_id)?,
        numbers(&release.phone_numbers)?,
        unhost,
    ))
}

/// The request cap, checked before a single element is parsed.
fn capped(field: &'static str, count: usize) -> Result<(), Error> {
    check_count(count).map_err(|error| Error::Request { field, error })
}

fn number(raw: &str, pointer: &str) -> Result<E164, ApiError> {
    E164::parse(raw)
        .map_err(|e| ApiError::at_pointer(ErrorKind::InvalidPhoneNumber, pointer, e.to_string()))
}

impl From<DirectoryEntry> for pb::NumberFacts {
    fn from(entry: DirectoryEntry) -> Self {
        let facts = entry.facts;
        let (holding, holder, transferable) = match facts.holding {
            Holding::None => (pb::Holding::None, None, false),
            Holding::Inventory => (pb::Holding::Inventory, None, false),
            Holding::Account {
                holder,
                transferable,
            } => (pb::Holding::Account, Some(holder.to_string()), transferable),
        };
        pb::NumberFacts {
            phone_number: entry.number.to_string(),
            routable: facts.routable,
            line_type: line_type_to_proto(facts.line_type) as i32,
            carrier_name: facts.carrier_name,
            nnid: facts.nnid,
            portable: facts.portable,
            fast_portable: facts.fast_portable,
            messaging_capable: facts.messaging_capable,
            billing_check: billing_to_proto(facts.billing_check) as i32,
            holding: holding as i32,
            holder_account_id: holder,
            transferable,
            seeded: entry.stored.is_some(),
            campaign_id: entry.campaign_id,
            updated_at: entry
                .stored
                .map(|stored| convert::timestamp(stored.updated_at)),
        }
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
impl directory_sandbox_service_server::DirectorySandboxService for EligibilityApi {
    async fn seed_number(
        &self,
        request: Request<pb::SeedNumberRequest>,
    ) -> Result<Response<pb::SeedNumberResponse>, Status> {
        let seed = seed_from_proto(request.get_ref(), String::new())?;
        let mut seeded = self.app.seed(vec![seed]).await?;
        Ok(Response::new(pb::SeedNumberResponse {
            number: seeded.pop().map(Into::into),
        }))
    }

    #[tracing::instrument(skip_all, fields(numbers = request.get_ref().numbers.len()))]
    async fn seed_numbers(
        &self,
        request: Request<pb::SeedNumbersRequest>,
    ) -> Result<Response<pb::SeedNumbersResponse>, Status> {
        capped("numbers", request.get_ref().numbers.len())?;
        let seeds = request
            .get_ref()
            .numbers
            .iter()
            .enumerate()
            .map(|(i, seed)| seed_from_proto(seed, format!("/numbers/{i}")))
            .collect::<Result<Vec<_>, _>>()?;
        let seeded = self.app.seed(seeds).await?;
        Ok(Response::new(pb::SeedNumbersResponse {
            numbers: seeded.into_iter().map(Into::into).collect(),
        }))
    }

    async fn list_magic_numbers(
        &self,
        _: Request<pb::ListMagicNumbersRequest>,
    ) -> Result<Response<pb::ListMagicNumbersResponse>, Status> {
        let ranges = self
            .app
            .magic_numbers()
            .iter()
            .map(|range| pb::MagicNumberRange {
                first: range.first.into(),
                last: range.last.into(),
                meaning: range.meaning.to_owned(),
            })
            .collect();
        Ok(Response::new(pb::ListMagicNumbersResponse { ranges }))
    }

    async fn set_nnid_handover(
        &self,
        request: Request<pb::SetNnidHandoverRequest>,
    ) -> Result<Response<pb::SetNnidHandoverResponse>, Status> {
        let request = request.get_ref();
        let number = number(&request.phone_number, "/phone_number")?;
        let outcome = nnid_outcome(request.handover)?;
        let state = self.app.set_nnid_handover(number, outcome).await?;
        Ok(Response::new(pb::SetNnidHandoverResponse {
            number: Some(state.into()),
        }))
    }
}

/// How the sandbox ends a handover: a carrier releases or refuses, so only those two are set.
fn nnid_outcome(raw: i32) -> Result<NnidOutcome, ApiError> {
    use pb::NnidHandover as P;
    match P::try_from(raw) {
        Ok(P::Ours) => Ok(NnidOutcome::Ours),
        Ok(P::Refused) => Ok(NnidOutcome::Refused),
        Ok(P::Waiting | P::None) => Err(ApiError::at_pointer(
            ErrorKind::Validation,
            "/handover",
            "handover must be OURS or REFUSED: a carrier releases the NNID or refuses to",
        )),
        Ok(P::Unspecified) | Err(_) => Err(ApiError::at_pointer(
            ErrorKind::InvalidEnum,
            "/handover",
            "handover must be one of OURS, REFUSED",
        )),
    }
}

/// A proto seed as the domain's; `at` is where it sits in the request, so an unknown enum
/// value or a malformed id names its field.
fn seed_from_proto(seed: &pb::SeedNumberRequest, at: String) -> Result<NumberSeed, ApiError> {
    let field = |name: &str| format!("{at}/{name}");
    let invalid_enum = |name: &str, choices: &str| {
        ApiError::at_pointer(
            ErrorKind::InvalidEnum,
            field(name),
            format!("{name} must be one of {choices}"),
        )
    };
    let line_type = seed
        .line_type
        .map(|raw| match pb::LineType::try_from(raw) {
            Ok(pb::LineType::Landline) => Ok(LineType::Landline),
            Ok(pb::LineType::Voip) => Ok(LineType::Voip),
            Ok(pb::LineType::Wireless) => Ok(LineType::Wireless),
            Ok(pb::LineType::TollFree) => Ok(LineType::TollFree),
            Ok(pb::LineType::Unspecified) | Err(_) => Err(invalid_enum(
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
            Ok(pb::BillingCheck::Unspecified) | Err(_) => {
                Err(invalid_enum("billing_check", "ok, failed, abolished"))
            }
        })
        .transpose()?;
    let holding = seed
        .holding
        .map(|raw| match pb::Holding::try_from(raw) {
            Ok(pb::Holding::None) => Ok(HoldingKind::None),
            Ok(pb::Holding::Inventory) => Ok(HoldingKind::Inventory),
            Ok(pb::Holding::Account) => Ok(HoldingKind::Account),
            Ok(pb::Holding::Unspecified) | Err(_) => {
                Err(invalid_enum("holding", "none, inventory, account"))
            }
        })
        .transpose()?;
    let holder = seed
        .holder_account_id
        .as_deref()
        .map(|raw| convert::id(&field("holder_account_id"), AccountId::parse, raw))
        .transpose()?;
    Ok(NumberSeed {
        number: number(&seed.phone_number, &field("phone_number"))?,
        seed: Seed {
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
        },
        at,
    })
}

#[cfg(test)]
mod tests;
