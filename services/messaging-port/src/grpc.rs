//! The gRPC edge of messaging-port: proto requests become domain values, the app answers, and
//! domain values become proto responses. No rules and no storage here.

use chrono::{DateTime, Utc};
use textport_domain::{E164, MessagingProfileId, WebhookUrl};
use textport_platform::{ApiError, ErrorKind, convert};
use textport_proto::messaging_port::v1::{
    self as pb, nullable_string, porting_operator_service_server, porting_order_service_server,
    porting_sandbox_service_server,
};
use tonic::{Request, Response, Status};

use crate::app::{App, NewOrders, Step};
use crate::domain::{
    ActivationStatus, EndUserPatch, MessagingPortStatus, MiscPatch, NumberMessaging, Order,
    OrderPatch, OrderStatus, PortabilityStatus, PortingNumber, PortingOrderId, PortingType,
    RemainingNumbersAction, Requirement, RequirementsStatus, StatusDetail,
};
use crate::store::{ListedNumber, NumberFilter, OrderFilter, OrderSort};

/// With `include_phone_numbers`, an order shows at most this many of its numbers.
const INCLUDED_NUMBERS: usize = 50;

#[derive(Clone)]
pub struct PortingApi {
    app: App,
}

impl PortingApi {
    pub fn new(app: App) -> Self {
        Self { app }
    }
}

/// A path id that is no UUID names no order: 404, as for any unknown id.
fn order_id(raw: &str) -> Result<PortingOrderId, ApiError> {
    PortingOrderId::parse(raw).map_err(|_| ApiError::not_found("porting order"))
}

/// A path number that is not E.164 is in no order.
fn path_number(raw: &str) -> Result<E164, ApiError> {
    E164::parse(raw).map_err(|_| {
        ApiError::new(
            ErrorKind::NotFound,
            "The phone number is not in this porting order.",
        )
    })
}

fn time(at: Option<DateTime<Utc>>) -> Option<prost_types::Timestamp> {
    at.map(convert::timestamp)
}

/// A PATCH's nullable string: absent keeps, `clear` nulls.
fn nullable(value: Option<pb::NullableString>) -> Option<Option<String>> {
    match value?.change? {
        nullable_string::Change::Set(value) => Some(Some(value)),
        nullable_string::Change::Clear(_) => Some(None),
    }
}

/// An inner field of `end_user`, `documents`, `misc` or `user_feedback`: absent keeps, an empty
/// string clears.
fn inner(value: Option<String>) -> Option<Option<String>> {
    value.map(|value| Some(value).filter(|v| !v.is_empty()))
}

/// A document id of a PATCH: a UUID, or the change that clears it.
fn document_id(
    change: Option<Option<String>>,
    pointer: &str,
) -> Result<Option<Option<String>>, ApiError> {
    if let Some(Some(raw)) = &change {
        uuid::Uuid::parse_str(raw).map_err(|_| {
            ApiError::at_pointer(ErrorKind::Validation, pointer, "A document id is a UUID.")
        })?;
    }
    Ok(change)
}

// === impl PortingOrderService ===

#[tonic::async_trait]
impl porting_order_service_server::PortingOrderService for PortingApi {
    #[tracing::instrument(skip_all, fields(numbers = request.get_ref().phone_numbers.len()))]
    async fn create_porting_orders(
        &self,
        request: Request<pb::CreatePortingOrdersRequest>,
    ) -> Result<Response<pb::CreatePortingOrdersResponse>, Status> {
        let request = request.into_inner();
        let caller = convert::caller(&request.account_id)?;
        let orders = self
            .app
            .create(
                caller,
                NewOrders {
                    phone_numbers: request.phone_numbers,
                    customer_reference: request.customer_reference,
                    customer_group_reference: request.customer_group_reference,
                },
            )
            .await?;
        Ok(Response::new(pb::CreatePortingOrdersResponse {
            orders: orders.iter().map(|o| order_to_proto(o, false)).collect(),
        }))
    }

    #[tracing::instrument(skip_all, fields(textport.porting_order.id = %request.get_ref().porting_order_id))]
    async fn get_porting_order(
        &self,
        request: Request<pb::GetPortingOrderRequest>,
    ) -> Result<Response<pb::GetPortingOrderResponse>, Status> {
        let request = request.into_inner();
        let caller = convert::caller(&request.account_id)?;
        let order = self
            .app
            .get(Some(caller), order_id(&request.porting_order_id)?)
            .await?;
        Ok(Response::new(pb::GetPortingOrderResponse {
            order: Some(order_to_proto(&order, request.include_phone_numbers)),
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn list_porting_orders(
        &self,
        request: Request<pb::ListPortingOrdersRequest>,
    ) -> Result<Response<pb::ListPortingOrdersResponse>, Status> {
        let request = request.into_inner();
        let caller = convert::caller(&request.account_id)?;
        let page = convert::page(request.page.as_ref())?;
        let sort = match request.sort() {
            pb::PortingOrderSort::Unspecified | pb::PortingOrderSort::CreatedAtDesc => {
                OrderSort::CreatedAtDesc
            }
            pb::PortingOrderSort::CreatedAtAsc => OrderSort::CreatedAtAsc,
            pb::PortingOrderSort::FocDatetimeRequestedAsc => OrderSort::FocRequestedAsc,
            pb::PortingOrderSort::FocDatetimeRequestedDesc => OrderSort::FocRequestedDesc,
        };
        let filter = order_filter(request.filter.unwrap_or_default());
        let (orders, total) = self.app.list(caller, &filter, sort, page).await?;
        Ok(Response::new(pb::ListPortingOrdersResponse {
            orders: orders
                .iter()
                .map(|o| order_to_proto(o, request.include_phone_numbers))
                .collect(),
            page: Some(convert::page_info(page.info(total))),
        }))
    }

    #[tracing::instrument(skip_all, fields(textport.porting_order.id = %request.get_ref().porting_order_id))]
    async fn update_porting_order(
        &self,
        request: Request<pb::UpdatePortingOrderRequest>,
    ) -> Result<Response<pb::UpdatePortingOrderResponse>, Status> {
        let request = request.into_inner();
        let caller = convert::caller(&request.account_id)?;
        let id = order_id(&request.porting_order_id)?;
        let patch = patch_of(request)?;
        let order = self.app.update(caller, id, patch).await?;
        Ok(Response::new(pb::UpdatePortingOrderResponse {
            order: Some(order_to_proto(&order, false)),
        }))
    }

    #[tracing::instrument(skip_all, fields(textport.porting_order.id = %request.get_ref().porting_order_id))]
    async fn confirm_porting_order(
        &self,
        request: Request<pb::ConfirmPortingOrderRequest>,
    ) -> Result<Response<pb::ConfirmPortingOrderResponse>, Status> {
        let request = request.into_inner();
        let caller = convert::caller(&request.account_id)?;
        let order = self
            .app
            .confirm(caller, order_id(&request.porting_order_id)?)
            .await?;
        Ok(Response::new(pb::ConfirmPortingOrderResponse {
            order: Some(order_to_proto(&order, false)),
        }))
    }

    #[tracing::instrument(skip_all, fields(textport.porting_order.id = %request.get_ref().porting_order_id))]
    async fn cancel_porting_order(
        &self,
        request: Request<pb::CancelPortingOrderRequest>,
    ) -> Result<Response<pb::CancelPortingOrderResponse>, Status> {
        let request = request.into_inner();
        let caller = convert::caller(&request.account_id)?;
        let order = self
            .app
            .cancel(caller, order_id(&request.porting_order_id)?)
            .await?;
        Ok(Response::new(pb::CancelPortingOrderResponse {
            order: Some(order_to_proto(&order, false)),
        }))
    }

    #[tracing::instrument(skip_all, fields(textport.porting_order.id = %request.get_ref().porting_order_id))]
    async fn delete_porting_order(
        &self,
        request: Request<pb::DeletePortingOrderRequest>,
    ) -> Result<Response<pb::DeletePortingOrderResponse>, Status> {
        let request = request.into_inner();
        let caller = convert::caller(&request.account_id)?;
        self.app
            .delete(caller, order_id(&request.porting_order_id)?)
            .await?;
        Ok(Response::new(pb::DeletePortingOrderResponse {}))
    }

    #[tracing::instrument(skip_all)]
    async fn list_porting_phone_numbers(
        &self,
        request: Request<pb::ListPortingPhoneNumbersRequest>,
    ) -> Result<Response<pb::ListPortingPhoneNumbersResponse>, Status> {
        let request = request.into_inner();
        let caller = convert::caller(&request.account_id)?;
        let page = convert::page(request.page.as_ref())?;
        let filter = number_filter(&request)?;
        let (numbers, total) = self.app.list_numbers(caller, &filter, page).await?;
        Ok(Response::new(pb::ListPortingPhoneNumbersResponse {
            phone_numbers: numbers.iter().map(listed_to_proto).collect(),
            page: Some(convert::page_info(page.info(total))),
        }))
    }
}

// === impl PortingOperatorService ===

#[tonic::async_trait]
impl porting_operator_service_server::PortingOperatorService for PortingApi {
    #[tracing::instrument(skip_all)]
    async fn list_messaging_exceptions(
        &self,
        request: Request<pb::ListMessagingExceptionsRequest>,
    ) -> Result<Response<pb::ListMessagingExceptionsResponse>, Status> {
        let page = convert::page(request.get_ref().page.as_ref())?;
        let (numbers, total) = self.app.list_exceptions(page).await?;
        Ok(Response::new(pb::ListMessagingExceptionsResponse {
            exceptions: numbers
                .iter()
                .map(|listed| pb::MessagingExceptionEntry {
                    phone_number: Some(listed_to_proto(listed)),
                    account_id: listed.account.to_string(),
                })
                .collect(),
            page: Some(convert::page_info(page.info(total))),
        }))
    }

    #[tracing::instrument(skip_all, fields(textport.porting_order.id = %request.get_ref().porting_order_id))]
    async fn override_nnid(
        &self,
        request: Request<pb::OverrideNnidRequest>,
    ) -> Result<Response<pb::OverrideNnidResponse>, Status> {
        let request = request.into_inner();
        let (order, index) = self
            .app
            .override_nnid(
                order_id(&request.porting_order_id)?,
                &path_number(&request.phone_number)?,
            )
            .await?;
        Ok(Response::new(pb::OverrideNnidResponse {
            phone_number: Some(number_of_order(&order, index)),
            order: Some(order_to_proto(&order, false)),
        }))
    }

    #[tracing::instrument(skip_all, fields(textport.porting_order.id = %request.get_ref().porting_order_id))]
    async fn give_up_messaging(
        &self,
        request: Request<pb::GiveUpMessagingRequest>,
    ) -> Result<Response<pb::GiveUpMessagingResponse>, Status> {
        let request = request.into_inner();
        let (order, index) = self
            .app
            .give_up(
                order_id(&request.porting_order_id)?,
                &path_number(&request.phone_number)?,
            )
            .await?;
        Ok(Response::new(pb::GiveUpMessagingResponse {
            phone_number: Some(number_of_order(&order, index)),
            order: Some(order_to_proto(&order, false)),
        }))
    }
}

// === impl PortingSandboxService ===

#[tonic::async_trait]
impl porting_sandbox_service_server::PortingSandboxService for PortingApi {
    #[tracing::instrument(skip_all, fields(textport.porting_order.id = %request.get_ref().porting_order_id))]
    async fn advance_porting_order(
        &self,
        request: Request<pb::AdvancePortingOrderRequest>,
    ) -> Result<Response<pb::AdvancePortingOrderResponse>, Status> {
        let request = request.into_inner();
        let step = match request.step() {
            pb::PortingStep::Submit => Step::Submit,
            pb::PortingStep::ConfirmFoc => {
                Step::ConfirmFoc(convert::datetime(request.foc_datetime_actual.as_ref()))
            }
            pb::PortingStep::RaiseException => {
                let detail = request.detail.unwrap_or_default();
                Step::RaiseException(StatusDetail {
                    code: Some(detail.code)
                        .filter(|c| !c.is_empty())
                        .unwrap_or_else(|| "OTHER".to_owned()),
                    description: detail.description,
                })
            }
            pb::PortingStep::Port => Step::Port,
            pb::PortingStep::FinishCancel => Step::FinishCancel,
            pb::PortingStep::Unspecified => {
                return Err(ApiError::at_pointer(
                    ErrorKind::InvalidEnum,
                    "/step",
                    "step must be submit, confirm_foc, raise_exception, port or finish_cancel.",
                )
                .into());
            }
        };
        let order = self
            .app
            .advance(order_id(&request.porting_order_id)?, step)
            .await?;
        Ok(Response::new(pb::AdvancePortingOrderResponse {
            order: Some(order_to_proto(&order, false)),
        }))
    }
}

// === requests → domain ===

fn order_filter(filter: pb::PortingOrderFilter) -> OrderFilter {
    OrderFilter {
        misc_type: filter.misc_type.and_then(|raw| {
            porting_type(pb::PortingType::try_from(raw).ok()?).map(|t| t.as_str().to_owned())
        }),
        customer_reference: filter.customer_reference,
        customer_group_reference: filter.customer_group_reference,
        country_code: filter.phone_number_country_code,
        carrier_name: filter.phone_number_carrier_name,
        phone_number_contains: filter.phone_number_contains,
        entity_name: filter.end_user_entity_name,
        auth_person_name: filter.end_user_auth_person_name,
        fast_port_eligible: filter.fast_port_eligible,
        foc_requested_after: convert::datetime(filter.foc_datetime_requested_gt.as_ref()),
        foc_requested_before: convert::datetime(filter.foc_datetime_requested_lt.as_ref()),
    }
}

fn number_filter(request: &pb::ListPortingPhoneNumbersRequest) -> Result<NumberFilter, ApiError> {
    let order_ids = request
        .porting_order_ids
        .iter()
        .map(|raw| {
            PortingOrderId::parse(raw).map_err(|error| {
                ApiError::at_parameter(
                    ErrorKind::Validation,
                    "filter[porting_order_id]",
                    error.to_string(),
                )
            })
        })
        .collect::<Result<_, _>>()?;
    let enum_of = |raw: i32, parameter: &str| {
        ApiError::at_parameter(
            ErrorKind::InvalidEnum,
            parameter,
            format!("{raw} is not a value of {parameter}."),
        )
    };
    let order_status = request
        .porting_order_status
        .map(|raw| {
            pb::PortingOrderStatus::try_from(raw)
                .ok()
                .and_then(order_status)
                .ok_or_else(|| enum_of(raw, "filter[porting_order_status]"))
        })
        .transpose()?;
    // Activation and portability follow the order's status: filter by the statuses that show them.
    let mut order_statuses: Option<Vec<OrderStatus>> = None;
    if let Some(raw) = request.activation_status {
        let wanted = pb::ActivationStatus::try_from(raw)
            .ok()
            .and_then(activation_status)
            .ok_or_else(|| enum_of(raw, "filter[activation_status]"))?;
        order_statuses = Some(
            OrderStatus::ALL
                .iter()
                .copied()
                .filter(|s| s.activation_status() == Some(wanted))
                .collect(),
        );
    }
    if let Some(raw) = request.portability_status {
        let wanted = pb::PortabilityStatus::try_from(raw)
            .ok()
            .and_then(portability_status)
            .ok_or_else(|| enum_of(raw, "filter[portability_status]"))?;
        let showing = OrderStatus::ALL
            .iter()
            .copied()
            .filter(|s| s.portability_status() == wanted);
        order_statuses = Some(match order_statuses {
            Some(already) => showing.filter(|s| already.contains(s)).collect(),
            None => showing.collect(),
        });
    }
    let messaging = request
        .messaging_port_status
        .map(|raw| {
            let wanted = pb::MessagingPortStatus::try_from(raw)
                .ok()
                .and_then(messaging_status)
                .ok_or_else(|| enum_of(raw, "filter[messaging_port_status]"))?;
            Ok::<_, ApiError>(
                NumberMessaging::ALL
                    .iter()
                    .copied()
                    .filter(|m| m.public() == wanted)
                    .collect(),
            )
        })
        .transpose()?;
    Ok(NumberFilter {
        order_status,
        order_ids,
        support_keys: request.support_keys.clone(),
        phone_numbers: request.phone_numbers.clone(),
        order_statuses,
        messaging,
    })
}

fn patch_of(request: pb::UpdatePortingOrderRequest) -> Result<OrderPatch, ApiError> {
    let configuration = request.phone_number_configuration.unwrap_or_default();
    let messaging_profile_id = nullable(configuration.messaging_profile_id)
        .map(|profile| {
            profile
                .map(|raw| {
                    convert::id(
                        crate::domain::MESSAGING_PROFILE_POINTER,
                        MessagingProfileId::parse,
                        &raw,
                    )
                })
                .transpose()
        })
        .transpose()?;
    let webhook_url = nullable(request.webhook_url)
        .map(|url| {
            url.map(|raw| {
                WebhookUrl::parse(&raw).map_err(|error| {
                    ApiError::at_pointer(ErrorKind::Validation, "/webhook_url", error.to_string())
                })
            })
            .transpose()
        })
        .transpose()?;
    let end_user = request.end_user.map(|end_user| {
        let admin = end_user.admin.unwrap_or_default();
        let location = end_user.location.unwrap_or_default();
        EndUserPatch {
            admin: [
                inner(admin.entity_name),
                inner(admin.auth_person_name),
                inner(admin.billing_phone_number),
                inner(admin.account_number),
                inner(admin.pin_passcode),
                inner(admin.tax_identifier),
                inner(admin.business_identifier),
            ],
            location: [
                inner(location.street_address),
                inner(location.extended_address),
                inner(location.locality),
                inner(location.administrative_area),
                inner(location.postal_code),
                inner(location.country_code),
            ],
        }
    });
    let documents = request.documents.unwrap_or_default();
    let misc = if request.clear_misc {
        Some(MiscPatch::Clear)
    } else {
        request.misc.map(|misc| MiscPatch::Merge {
            kind: porting_type(misc.r#type()),
            remaining_numbers_action: misc.remaining_numbers_action.map(|raw| {
                match pb::RemainingNumbersAction::try_from(raw) {
                    Ok(pb::RemainingNumbersAction::Keep) => Some(RemainingNumbersAction::Keep),
                    Ok(pb::RemainingNumbersAction::Disconnect) => {
                        Some(RemainingNumbersAction::Disconnect)
                    }
                    Ok(pb::RemainingNumbersAction::Unspecified) | Err(_) => None,
                }
            }),
            new_billing_phone_number: inner(misc.new_billing_phone_number),
        })
    };
    let feedback = request.user_feedback.unwrap_or_default();
    Ok(OrderPatch {
        enable_messaging: request.messaging.and_then(|m| m.enable_messaging),
        messaging_profile_id,
        connection_id: nullable(configuration.connection_id),
        billing_group_id: nullable(configuration.billing_group_id),
        emergency_address_id: nullable(configuration.emergency_address_id),
        tags: configuration.tags.map(|tags| tags.values),
        foc_datetime_requested: request
            .activation_settings
            .and_then(|s| convert::datetime(s.foc_datetime_requested.as_ref())),
        end_user,
        documents: crate::domain::DocumentsPatch {
            loa: document_id(inner(documents.loa), "/documents/loa")?,
            invoice: document_id(inner(documents.invoice), "/documents/invoice")?,
        },
        misc,
        requirements: request.requirements.map(|list| {
            list.values
                .into_iter()
                .map(|r| Requirement {
                    requirement_type_id: r.requirement_type_id,
                    field_value: r.field_value,
                })
                .collect()
        }),
        requirement_group_id: request.requirement_group_id,
        user_feedback: crate::domain::UserFeedbackPatch {
            user_rating: feedback.user_rating.map(Some),
            user_comment: inner(feedback.user_comment),
        },
        customer_reference: nullable(request.customer_reference),
        customer_group_reference: request.customer_group_reference,
        webhook_url,
    })
}

// === domain → responses ===

fn order_to_proto(order: &Order, include_numbers: bool) -> pb::PortingOrder {
    let rules = &order.rules;
    let details = &order.details;
    let phone_numbers = if include_numbers {
        (0..rules.numbers.len().min(INCLUDED_NUMBERS))
            .map(|index| number_of_order(order, index))
            .collect()
    } else {
        Vec::new()
    };
    let admin = &details.end_user.admin;
    let location = &details.end_user.location;
    pb::PortingOrder {
        id: order.id.to_string(),
        account_id: order.account.to_string(),
        status: Some(pb::PortingOrderStatusInfo {
            value: status_to_proto(rules.status) as i32,
            details: details
                .status_details
                .iter()
                .map(|d| pb::PortingOrderStatusDetail {
                    code: d.code.clone(),
                    description: d.description.clone(),
                })
                .collect(),
        }),
        support_key: order.support_key.clone(),
        parent_support_key: None,
        customer_reference: order.customer_reference.clone(),
        customer_group_reference: order.customer_group_reference.clone(),
        description: order.description.clone(),
        old_service_provider_ocn: None,
        phone_number_type: order.phone_number_type.clone(),
        porting_phone_numbers_count: u32::try_from(rules.numbers.len()).unwrap_or(u32::MAX),
        phone_numbers,
        activation_settings: Some(pb::ActivationSettings {
            fast_port_eligible: order.fast_port_eligible,
            foc_datetime_requested: time(order.foc_datetime_requested),
            foc_datetime_actual: time(rules.foc_datetime_actual),
            activation_status: rules
                .status
                .activation_status()
                .map(|s| activation_to_proto(s) as i32),
        }),
        messaging: Some(pb::PortingOrderMessaging {
            messaging_capable: rules.messaging_capable(),
            enable_messaging: rules.enable_messaging,
            messaging_port_status: messaging_to_proto(rules.messaging_port_status) as i32,
            messaging_port_completed: rules.messaging_port_completed(),
            divergence_since: time(rules.divergence_since),
        }),
        phone_number_configuration: Some(pb::PhoneNumberConfiguration {
            connection_id: details.connection_id.clone(),
            messaging_profile_id: rules.messaging_profile_id.map(|id| id.to_string()),
            billing_group_id: details.billing_group_id.clone(),
            emergency_address_id: details.emergency_address_id.clone(),
            tags: details.tags.clone(),
        }),
        end_user: Some(pb::EndUser {
            admin: Some(pb::EndUserAdmin {
                entity_name: admin.entity_name.clone(),
                auth_person_name: admin.auth_person_name.clone(),
                billing_phone_number: admin.billing_phone_number.clone(),
                account_number: admin.account_number.clone(),
                pin_passcode: admin.pin_passcode.clone(),
                tax_identifier: admin.tax_identifier.clone(),
                business_identifier: admin.business_identifier.clone(),
            }),
            location: Some(pb::EndUserLocation {
                street_address: location.street_address.clone(),
                extended_address: location.extended_address.clone(),
                locality: location.locality.clone(),
                administrative_area: location.administrative_area.clone(),
                postal_code: location.postal_code.clone(),
                country_code: location.country_code.clone(),
            }),
        }),
        documents: Some(pb::PortingDocuments {
            loa: details.documents.loa.clone(),
            invoice: details.documents.invoice.clone(),
        }),
        misc: details.misc.as_ref().map(|misc| pb::PortingMisc {
            r#type: PortingType::parse(&misc.kind)
                .map_or(pb::PortingType::Unspecified, porting_type_to_proto)
                as i32,
            remaining_numbers_action: misc
                .remaining_numbers_action
                .as_deref()
                .and_then(RemainingNumbersAction::parse)
                .map(|action| match action {
                    RemainingNumbersAction::Keep => pb::RemainingNumbersAction::Keep as i32,
                    RemainingNumbersAction::Disconnect => {
                        pb::RemainingNumbersAction::Disconnect as i32
                    }
                }),
            new_billing_phone_number: misc.new_billing_phone_number.clone(),
        }),
        requirements: details
            .requirements
            .iter()
            .map(|r| pb::PortingRequirement {
                field_type: "document".to_owned(),
                field_value: r.field_value.clone(),
                requirement_type_id: r.requirement_type_id.clone(),
            })
            .collect(),
        requirements_met: rules.status.requirements_status() == RequirementsStatus::Approved,
        additional_steps: Vec::new(),
        user_feedback: Some(pb::UserFeedback {
            user_rating: details.user_feedback.user_rating,
            user_comment: details.user_feedback.user_comment.clone(),
        }),
        webhook_url: order
            .webhook_url
            .as_ref()
            .map(|url| url.as_str().to_owned()),
        created_at: Some(convert::timestamp(order.created_at)),
        updated_at: Some(convert::timestamp(order.updated_at)),
    }
}

fn number_of_order(order: &Order, index: usize) -> pb::PortingPhoneNumber {
    number_to_proto(
        order.id,
        order.status(),
        order.support_key.as_deref(),
        &order.rules.numbers[index],
        order.created_at,
        order.updated_at,
    )
}

fn listed_to_proto(listed: &ListedNumber) -> pb::PortingPhoneNumber {
    number_to_proto(
        listed.order_id,
        listed.order_status,
        listed.support_key.as_deref(),
        &listed.number,
        listed.created_at,
        listed.updated_at,
    )
}

fn number_to_proto(
    order: PortingOrderId,
    status: OrderStatus,
    support_key: Option<&str>,
    number: &PortingNumber,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
) -> pb::PortingPhoneNumber {
    pb::PortingPhoneNumber {
        phone_number: number.phone_number.as_str().to_owned(),
        phone_number_type: number.phone_number_type.clone(),
        porting_order_id: order.to_string(),
        porting_order_status: status_to_proto(status) as i32,
        support_key: support_key.map(str::to_owned),
        activation_status: status
            .activation_status()
            .map(|s| activation_to_proto(s) as i32),
        portability_status: match status.portability_status() {
            PortabilityStatus::Pending => pb::PortabilityStatus::Pending,
            PortabilityStatus::Confirmed => pb::PortabilityStatus::Confirmed,
            PortabilityStatus::Provisional => pb::PortabilityStatus::Provisional,
        } as i32,
        requirements_status: match status.requirements_status() {
            RequirementsStatus::RequirementInfoPending => {
                pb::RequirementsStatus::RequirementInfoPending
            }
            RequirementsStatus::RequirementInfoUnderReview => {
                pb::RequirementsStatus::RequirementInfoUnderReview
            }
            RequirementsStatus::RequirementInfoException => {
                pb::RequirementsStatus::RequirementInfoException
            }
            RequirementsStatus::Approved => pb::RequirementsStatus::Approved,
        } as i32,
        messaging_port_status: messaging_to_proto(number.messaging.public()) as i32,
        country_code: crate::domain::country_code(&number.phone_number).map(str::to_owned),
        carrier_name: number.carrier_name.clone(),
        created_at: Some(convert::timestamp(created_at)),
        updated_at: Some(convert::timestamp(updated_at)),
        messaging_exception: number.exception.map(|e| e.as_str().to_owned()),
        messaging_profile_id: number.messaging_profile_id.map(|id| id.to_string()),
    }
}

// === the enums, both ways, by explicit table ===

fn status_to_proto(status: OrderStatus) -> pb::PortingOrderStatus {
    match status {
        OrderStatus::Draft => pb::PortingOrderStatus::Draft,
        OrderStatus::InProcess => pb::PortingOrderStatus::InProcess,
        OrderStatus::Submitted => pb::PortingOrderStatus::Submitted,
        OrderStatus::Exception => pb::PortingOrderStatus::Exception,
        OrderStatus::FocDateConfirmed => pb::PortingOrderStatus::FocDateConfirmed,
        OrderStatus::Ported => pb::PortingOrderStatus::Ported,
        OrderStatus::CancelPending => pb::PortingOrderStatus::CancelPending,
        OrderStatus::Cancelled => pb::PortingOrderStatus::Cancelled,
    }
}

fn order_status(status: pb::PortingOrderStatus) -> Option<OrderStatus> {
    OrderStatus::ALL
        .iter()
        .copied()
        .find(|s| status_to_proto(*s) == status)
}

fn messaging_to_proto(status: MessagingPortStatus) -> pb::MessagingPortStatus {
    match status {
        MessagingPortStatus::NotApplicable => pb::MessagingPortStatus::NotApplicable,
        MessagingPortStatus::Pending => pb::MessagingPortStatus::Pending,
        MessagingPortStatus::Activating => pb::MessagingPortStatus::Activating,
        MessagingPortStatus::Ported => pb::MessagingPortStatus::Ported,
        MessagingPortStatus::Exception => pb::MessagingPortStatus::Exception,
        MessagingPortStatus::PartialPortComplete => pb::MessagingPortStatus::PartialPortComplete,
        MessagingPortStatus::Canceled => pb::MessagingPortStatus::Canceled,
    }
}

fn messaging_status(status: pb::MessagingPortStatus) -> Option<MessagingPortStatus> {
    MessagingPortStatus::ALL
        .iter()
        .copied()
        .find(|s| messaging_to_proto(*s) == status)
}

fn activation_to_proto(status: ActivationStatus) -> pb::ActivationStatus {
    match status {
        ActivationStatus::New => pb::ActivationStatus::New,
        ActivationStatus::Pending => pb::ActivationStatus::Pending,
        ActivationStatus::Conflict => pb::ActivationStatus::Conflict,
        ActivationStatus::CancelPending => pb::ActivationStatus::CancelPending,
        ActivationStatus::Failed => pb::ActivationStatus::Failed,
        ActivationStatus::Concurred => pb::ActivationStatus::Concurred,
        ActivationStatus::ActivateRdy => pb::ActivationStatus::ActivateRdy,
        ActivationStatus::DisconnectPending => pb::ActivationStatus::DisconnectPending,
        ActivationStatus::ConcurrenceSent => pb::ActivationStatus::ConcurrenceSent,
        ActivationStatus::Old => pb::ActivationStatus::Old,
        ActivationStatus::Sending => pb::ActivationStatus::Sending,
        ActivationStatus::Active => pb::ActivationStatus::Active,
        ActivationStatus::Cancelled => pb::ActivationStatus::Cancelled,
    }
}

fn activation_status(status: pb::ActivationStatus) -> Option<ActivationStatus> {
    ActivationStatus::ALL
        .iter()
        .copied()
        .find(|s| activation_to_proto(*s) == status)
}

fn portability_status(status: pb::PortabilityStatus) -> Option<PortabilityStatus> {
    match status {
        pb::PortabilityStatus::Pending => Some(PortabilityStatus::Pending),
        pb::PortabilityStatus::Confirmed => Some(PortabilityStatus::Confirmed),
        pb::PortabilityStatus::Provisional => Some(PortabilityStatus::Provisional),
        pb::PortabilityStatus::Unspecified => None,
    }
}

fn porting_type(kind: pb::PortingType) -> Option<PortingType> {
    match kind {
        pb::PortingType::Full => Some(PortingType::Full),
        pb::PortingType::Partial => Some(PortingType::Partial),
        pb::PortingType::Unspecified => None,
    }
}

fn porting_type_to_proto(kind: PortingType) -> pb::PortingType {
    match kind {
        PortingType::Full => pb::PortingType::Full,
        PortingType::Partial => pb::PortingType::Partial,
    }
}
