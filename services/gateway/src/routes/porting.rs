//! `/v2/porting_orders` and `/v2/porting_phone_numbers` (messaging-port), the operator's hand on
//! porting exceptions, and the sandbox's porting network.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use http::StatusCode;
use serde::{Deserialize, Serialize};
use textport_platform::{ApiError, ErrorKind, convert};
use textport_proto::eligibility::v1::{self as eligibility_pb, SetNnidHandoverRequest};
use textport_proto::messaging_port::v1::{self as pb, nullable_string};

use super::{Data, List, required, time};
use crate::auth::Caller;
use crate::error::HttpError;
use crate::extract::{
    ApiJson, ApiPath, Object, OptionalJson, QueryPairs, WholeNumber, non_null, nullable,
};
use crate::state::AppState;
use crate::wire::{
    ActivationStatus, MessagingPortStatus, NnidHandover, PortabilityStatus, PortingOrderStatus,
    PortingType, RemainingNumbersAction, RequirementsStatus,
};

// === JSON shapes ===

#[derive(Serialize)]
pub struct OrderJson {
    id: String,
    record_type: &'static str,
    created_at: Option<String>,
    updated_at: Option<String>,
    user_id: String,
    status: StatusJson,
    support_key: Option<String>,
    parent_support_key: Option<String>,
    customer_reference: Option<String>,
    customer_group_reference: Option<String>,
    description: String,
    old_service_provider_ocn: Option<String>,
    phone_number_type: String,
    porting_phone_numbers_count: u32,
    /// Only with `include_phone_numbers=true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    phone_numbers: Option<Vec<NumberJson>>,
    activation_settings: ActivationSettingsJson,
    messaging: MessagingJson,
    phone_number_configuration: ConfigurationJson,
    end_user: EndUserJson,
    documents: DocumentsJson,
    misc: Option<MiscJson>,
    requirements: Vec<RequirementJson>,
    requirements_met: bool,
    additional_steps: Vec<String>,
    user_feedback: FeedbackJson,
    webhook_url: Option<String>,
}

#[derive(Serialize)]
struct StatusJson {
    value: &'static str,
    details: Vec<DetailJson>,
}

#[derive(Serialize)]
struct DetailJson {
    code: String,
    description: String,
}

#[derive(Serialize)]
struct ActivationSettingsJson {
    fast_port_eligible: bool,
    foc_datetime_requested: Option<String>,
    foc_datetime_actual: Option<String>,
    activation_status: Option<&'static str>,
}

#[derive(Serialize)]
struct MessagingJson {
    messaging_capable: bool,
    enable_messaging: Option<bool>,
    messaging_port_status: &'static str,
    messaging_port_completed: bool,
    /// Beyond Telnyx: since when messaging lags voice past the alert threshold.
    divergence_since: Option<String>,
}

#[derive(Serialize)]
struct ConfigurationJson {
    connection_id: Option<String>,
    messaging_profile_id: Option<String>,
    billing_group_id: Option<String>,
    emergency_address_id: Option<String>,
    tags: Vec<String>,
}

#[derive(Serialize)]
struct EndUserJson {
    admin: AdminJson,
    location: LocationJson,
}

#[derive(Serialize)]
struct AdminJson {
    entity_name: Option<String>,
    auth_person_name: Option<String>,
    billing_phone_number: Option<String>,
    account_number: Option<String>,
    pin_passcode: Option<String>,
    tax_identifier: Option<String>,
    business_identifier: Option<String>,
}

#[derive(Serialize)]
struct LocationJson {
    street_address: Option<String>,
    extended_address: Option<String>,
    locality: Option<String>,
    administrative_area: Option<String>,
    postal_code: Option<String>,
    country_code: Option<String>,
}

#[derive(Serialize)]
struct DocumentsJson {
    loa: Option<String>,
    invoice: Option<String>,
}

#[derive(Serialize)]
struct MiscJson {
    r#type: Option<&'static str>,
    remaining_numbers_action: Option<&'static str>,
    new_billing_phone_number: Option<String>,
}

#[derive(Serialize)]
struct RequirementJson {
    field_type: String,
    field_value: String,
    requirement_type_id: String,
    record_type: &'static str,
}

#[derive(Serialize)]
struct FeedbackJson {
    user_rating: Option<i32>,
    user_comment: Option<String>,
}

/// A porting phone number, with its own messaging status.
#[derive(Serialize)]
pub struct NumberJson {
    record_type: &'static str,
    phone_number: String,
    phone_number_type: String,
    porting_order_id: String,
    porting_order_status: &'static str,
    support_key: Option<String>,
    activation_status: Option<&'static str>,
    portability_status: &'static str,
    requirements_status: &'static str,
    messaging_port_status: &'static str,
    /// Beyond Telnyx: why its messaging is in exception, and the profile it got when it ported.
    messaging_exception: Option<String>,
    messaging_profile_id: Option<String>,
    carrier_name: String,
    country_code: Option<String>,
}

impl OrderJson {
    fn new(order: Option<pb::PortingOrder>, include_numbers: bool) -> Result<Self, HttpError> {
        let order = required(order, "a porting order")?;
        let status = required(order.status, "an order status")?;
        let activation = order.activation_settings.unwrap_or_default();
        let messaging = required(order.messaging, "the messaging object")?;
        let configuration = order.phone_number_configuration.unwrap_or_default();
        let end_user = order.end_user.unwrap_or_default();
        let admin = end_user.admin.unwrap_or_default();
        let location = end_user.location.unwrap_or_default();
        let documents = order.documents.unwrap_or_default();
        let feedback = order.user_feedback.unwrap_or_default();
        let phone_numbers = if include_numbers {
            Some(
                order
                    .phone_numbers
                    .into_iter()
                    .map(NumberJson::new)
                    .collect::<Result<_, _>>()?,
            )
        } else {
            None
        };
        Ok(Self {
            record_type: "porting_order",
            created_at: time(order.created_at.as_ref()),
            updated_at: time(order.updated_at.as_ref()),
            user_id: order.account_id,
            status: StatusJson {
                value: required(PortingOrderStatus::text_of(status.value), "an order status")?,
                details: status
                    .details
                    .into_iter()
                    .map(|d| DetailJson {
                        code: d.code,
                        description: d.description,
                    })
                    .collect(),
            },
            support_key: order.support_key,
            parent_support_key: order.parent_support_key,
            customer_reference: order.customer_reference,
            customer_group_reference: order.customer_group_reference,
            description: order.description,
            old_service_provider_ocn: order.old_service_provider_ocn,
            phone_number_type: order.phone_number_type,
            porting_phone_numbers_count: order.porting_phone_numbers_count,
            phone_numbers,
            activation_settings: ActivationSettingsJson {
                fast_port_eligible: activation.fast_port_eligible,
                foc_datetime_requested: time(activation.foc_datetime_requested.as_ref()),
                foc_datetime_actual: time(activation.foc_datetime_actual.as_ref()),
                activation_status: activation
                    .activation_status
                    .and_then(ActivationStatus::text_of),
            },
            messaging: MessagingJson {
                messaging_capable: messaging.messaging_capable,
                enable_messaging: messaging.enable_messaging,
                messaging_port_status: required(
                    MessagingPortStatus::text_of(messaging.messaging_port_status),
                    "a messaging status",
                )?,
                messaging_port_completed: messaging.messaging_port_completed,
                divergence_since: time(messaging.divergence_since.as_ref()),
            },
            phone_number_configuration: ConfigurationJson {
                connection_id: configuration.connection_id,
                messaging_profile_id: configuration.messaging_profile_id,
                billing_group_id: configuration.billing_group_id,
                emergency_address_id: configuration.emergency_address_id,
                tags: configuration.tags,
            },
            end_user: EndUserJson {
                admin: AdminJson {
                    entity_name: admin.entity_name,
                    auth_person_name: admin.auth_person_name,
                    billing_phone_number: admin.billing_phone_number,
                    account_number: admin.account_number,
                    pin_passcode: admin.pin_passcode,
                    tax_identifier: admin.tax_identifier,
                    business_identifier: admin.business_identifier,
                },
                location: LocationJson {
                    street_address: location.street_address,
                    extended_address: location.extended_address,
                    locality: location.locality,
                    administrative_area: location.administrative_area,
                    postal_code: location.postal_code,
                    country_code: location.country_code,
                },
            },
            documents: DocumentsJson {
                loa: documents.loa,
                invoice: documents.invoice,
            },
            misc: order.misc.map(|misc| MiscJson {
                r#type: PortingType::text_of(misc.r#type),
                remaining_numbers_action: misc
                    .remaining_numbers_action
                    .and_then(RemainingNumbersAction::text_of),
                new_billing_phone_number: misc.new_billing_phone_number,
            }),
            requirements: order
                .requirements
                .into_iter()
                .map(|r| RequirementJson {
                    field_type: r.field_type,
                    field_value: r.field_value,
                    requirement_type_id: r.requirement_type_id,
                    record_type: "porting_requirement",
                })
                .collect(),
            requirements_met: order.requirements_met,
            additional_steps: order.additional_steps,
            user_feedback: FeedbackJson {
                user_rating: feedback.user_rating,
                user_comment: feedback.user_comment,
            },
            webhook_url: order.webhook_url,
            id: order.id,
        })
    }
}

impl NumberJson {
    fn new(number: pb::PortingPhoneNumber) -> Result<Self, HttpError> {
        Ok(Self {
            record_type: "porting_phone_number",
            porting_order_status: required(
                PortingOrderStatus::text_of(number.porting_order_status),
                "an order status",
            )?,
            activation_status: number.activation_status.and_then(ActivationStatus::text_of),
            portability_status: required(
                PortabilityStatus::text_of(number.portability_status),
                "a portability status",
            )?,
            requirements_status: required(
                RequirementsStatus::text_of(number.requirements_status),
                "a requirements status",
            )?,
            messaging_port_status: required(
                MessagingPortStatus::text_of(number.messaging_port_status),
                "a messaging status",
            )?,
            phone_number: number.phone_number,
            phone_number_type: number.phone_number_type,
            porting_order_id: number.porting_order_id,
            support_key: number.support_key,
            messaging_exception: number.messaging_exception,
            messaging_profile_id: number.messaging_profile_id,
            carrier_name: number.carrier_name,
            country_code: number.country_code,
        })
    }
}

/// `{data, meta: {phone_numbers_url}}`, the answer about one order.
#[derive(Serialize)]
pub struct OrderAnswer {
    data: OrderJson,
    meta: OrderMeta,
}

#[derive(Serialize)]
struct OrderMeta {
    phone_numbers_url: String,
}

fn order_answer(
    order: Option<pb::PortingOrder>,
    include_numbers: bool,
) -> Result<Json<OrderAnswer>, HttpError> {
    let data = OrderJson::new(order, include_numbers)?;
    let meta = OrderMeta {
        phone_numbers_url: format!(
            "/porting_phone_numbers?filter[porting_order_id]={}",
            data.id
        ),
    };
    Ok(Json(OrderAnswer { data, meta }))
}

// === query parameters ===

fn include_numbers(query: &QueryPairs) -> Result<bool, ApiError> {
    Ok(query.boolean("include_phone_numbers")?.unwrap_or(false))
}

/// Values of `parameter` and of its list form `parameter[in][]`.
fn one_or_many(query: &QueryPairs, parameter: &str, list: &str) -> Vec<String> {
    query
        .get(parameter)
        .into_iter()
        .chain(query.all(list))
        .map(str::to_owned)
        .collect()
}

/// Free-text values of a filter; an empty one filters nothing (the SDKs leave an empty value
/// out, other clients send it).
fn texts(query: &QueryPairs, parameter: &str, list: &str) -> Vec<String> {
    let mut values = one_or_many(query, parameter, list);
    values.retain(|value| !value.is_empty());
    values
}

// === the customer's routes ===

#[derive(Deserialize)]
pub struct CreateBody {
    phone_numbers: Option<Vec<String>>,
    customer_reference: Option<String>,
    customer_group_reference: Option<String>,
}

#[derive(Serialize)]
struct Created {
    data: Vec<OrderJson>,
}

pub async fn create(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiJson(body): ApiJson<CreateBody>,
) -> Result<Response, HttpError> {
    let response = state
        .porting_orders
        .clone()
        .create_porting_orders(pb::CreatePortingOrdersRequest {
            account_id: account.to_string(),
            phone_numbers: body.phone_numbers.unwrap_or_default(),
            customer_reference: body.customer_reference,
            customer_group_reference: body.customer_group_reference,
        })
        .await?
        .into_inner();
    let data = response
        .orders
        .into_iter()
        .map(|order| OrderJson::new(Some(order), false))
        .collect::<Result<_, _>>()?;
    Ok((StatusCode::CREATED, Json(Created { data })).into_response())
}

pub async fn list(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    query: QueryPairs,
) -> Result<Json<List<OrderJson>>, HttpError> {
    let include = include_numbers(&query)?;
    let sort = match query.get("sort[value]") {
        None | Some("-created_at") => pb::PortingOrderSort::CreatedAtDesc,
        Some("created_at") => pb::PortingOrderSort::CreatedAtAsc,
        Some("activation_settings.foc_datetime_requested") => {
            pb::PortingOrderSort::FocDatetimeRequestedAsc
        }
        Some("-activation_settings.foc_datetime_requested") => {
            pb::PortingOrderSort::FocDatetimeRequestedDesc
        }
        Some(_) => {
            return Err(ApiError::at_parameter(
                ErrorKind::InvalidEnum,
                "sort[value]",
                "sort[value] must be one of created_at, -created_at, \
                 activation_settings.foc_datetime_requested, \
                 -activation_settings.foc_datetime_requested.",
            )
            .into());
        }
    };
    let text = |key: &str| query.get(key).map(str::to_owned);
    let filter = pb::PortingOrderFilter {
        customer_reference: text("filter[customer_reference]"),
        customer_group_reference: text("filter[customer_group_reference]"),
        parent_support_key: text("filter[parent_support_key]"),
        phone_number_country_code: text("filter[phone_numbers][country_code]"),
        phone_number_carrier_name: text("filter[phone_numbers][carrier_name]"),
        phone_number_contains: text("filter[phone_numbers][phone_number][contains]"),
        misc_type: query
            .get("filter[misc][type]")
            .map(|raw| PortingType::parse_parameter("filter[misc][type]", raw).map(|t| t as i32))
            .transpose()?,
        end_user_entity_name: text("filter[end_user][admin][entity_name]"),
        end_user_auth_person_name: text("filter[end_user][admin][auth_person_name]"),
        fast_port_eligible: query.boolean("filter[activation_settings][fast_port_eligible]")?,
        foc_datetime_requested_gt: query
            .instant("filter[activation_settings][foc_datetime_requested][gt]")?,
        foc_datetime_requested_lt: query
            .instant("filter[activation_settings][foc_datetime_requested][lt]")?,
    };
    let response = state
        .porting_orders
        .clone()
        .list_porting_orders(pb::ListPortingOrdersRequest {
            account_id: account.to_string(),
            page: Some(query.page()?),
            include_phone_numbers: include,
            filter: Some(filter),
            sort: sort as i32,
        })
        .await?
        .into_inner();
    let data = response
        .orders
        .into_iter()
        .map(|order| OrderJson::new(Some(order), include))
        .collect::<Result<_, _>>()?;
    Ok(Json(List::new(data, response.page)))
}

pub async fn retrieve(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
    query: QueryPairs,
) -> Result<Json<OrderAnswer>, HttpError> {
    let include = include_numbers(&query)?;
    let response = state
        .porting_orders
        .clone()
        .get_porting_order(pb::GetPortingOrderRequest {
            account_id: account.to_string(),
            porting_order_id: id,
            include_phone_numbers: include,
        })
        .await?
        .into_inner();
    order_answer(response.order, include)
}

#[derive(Deserialize)]
pub struct UpdateBody {
    #[serde(default, deserialize_with = "non_null")]
    messaging: Option<Object<MessagingBody>>,
    #[serde(default, deserialize_with = "non_null")]
    phone_number_configuration: Option<Object<ConfigurationBody>>,
    #[serde(default, deserialize_with = "non_null")]
    activation_settings: Option<Object<ActivationBody>>,
    #[serde(default, deserialize_with = "non_null")]
    end_user: Option<Object<EndUserBody>>,
    #[serde(default, deserialize_with = "non_null")]
    documents: Option<Object<DocumentsBody>>,
    #[serde(default, deserialize_with = "nullable")]
    misc: Option<Option<Object<MiscBody>>>,
    #[serde(default, deserialize_with = "non_null")]
    requirements: Option<Vec<Object<RequirementBody>>>,
    #[serde(default, deserialize_with = "non_null")]
    requirement_group_id: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    customer_reference: Option<Option<String>>,
    #[serde(default, deserialize_with = "non_null")]
    customer_group_reference: Option<String>,
    #[serde(default, deserialize_with = "non_null")]
    user_feedback: Option<Object<FeedbackBody>>,
    #[serde(default, deserialize_with = "nullable")]
    webhook_url: Option<Option<String>>,
}

#[derive(Deserialize)]
struct MessagingBody {
    #[serde(default, deserialize_with = "non_null")]
    enable_messaging: Option<bool>,
}

#[derive(Deserialize)]
struct ConfigurationBody {
    #[serde(default, deserialize_with = "nullable")]
    messaging_profile_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    connection_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    billing_group_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    emergency_address_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "non_null")]
    tags: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct ActivationBody {
    #[serde(default, deserialize_with = "non_null")]
    foc_datetime_requested: Option<DateTime<Utc>>,
}

/// Inner fields: absent keeps, `null` clears (an empty string to the service).
type Inner = Option<Option<String>>;

#[derive(Deserialize)]
struct EndUserBody {
    #[serde(default, deserialize_with = "non_null")]
    admin: Option<Object<AdminBody>>,
    #[serde(default, deserialize_with = "non_null")]
    location: Option<Object<LocationBody>>,
}

#[derive(Deserialize)]
struct AdminBody {
    #[serde(default, deserialize_with = "nullable")]
    entity_name: Inner,
    #[serde(default, deserialize_with = "nullable")]
    auth_person_name: Inner,
    #[serde(default, deserialize_with = "nullable")]
    billing_phone_number: Inner,
    #[serde(default, deserialize_with = "nullable")]
    account_number: Inner,
    #[serde(default, deserialize_with = "nullable")]
    pin_passcode: Inner,
    #[serde(default, deserialize_with = "nullable")]
    tax_identifier: Inner,
    #[serde(default, deserialize_with = "nullable")]
    business_identifier: Inner,
}

#[derive(Deserialize)]
struct LocationBody {
    #[serde(default, deserialize_with = "nullable")]
    street_address: Inner,
    #[serde(default, deserialize_with = "nullable")]
    extended_address: Inner,
    #[serde(default, deserialize_with = "nullable")]
    locality: Inner,
    #[serde(default, deserialize_with = "nullable")]
    administrative_area: Inner,
    #[serde(default, deserialize_with = "nullable")]
    postal_code: Inner,
    #[serde(default, deserialize_with = "nullable")]
    country_code: Inner,
}

#[derive(Deserialize)]
struct DocumentsBody {
    #[serde(default, deserialize_with = "nullable")]
    loa: Inner,
    #[serde(default, deserialize_with = "nullable")]
    invoice: Inner,
}

#[derive(Deserialize)]
struct MiscBody {
    #[serde(default, deserialize_with = "non_null")]
    r#type: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    remaining_numbers_action: Inner,
    #[serde(default, deserialize_with = "nullable")]
    new_billing_phone_number: Inner,
}

#[derive(Deserialize)]
struct RequirementBody {
    requirement_type_id: String,
    field_value: String,
}

#[derive(Deserialize)]
struct FeedbackBody {
    #[serde(default, deserialize_with = "non_null")]
    user_rating: Option<WholeNumber>,
    #[serde(default, deserialize_with = "nullable")]
    user_comment: Inner,
}

/// A PATCH's nullable field for the service.
fn nullable_string(value: Option<Option<String>>) -> Option<pb::NullableString> {
    value.map(|value| pb::NullableString {
        change: Some(match value {
            Some(value) => nullable_string::Change::Set(value),
            None => nullable_string::Change::Clear(true),
        }),
    })
}

/// An inner field for the service: `null` travels as the empty string.
fn inner(value: Inner) -> Option<String> {
    value.map(Option::unwrap_or_default)
}

pub async fn update(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<UpdateBody>,
) -> Result<Json<OrderAnswer>, HttpError> {
    let configuration = body.phone_number_configuration;
    let clear_misc = matches!(body.misc, Some(None));
    let user_feedback = body
        .user_feedback
        .map(|Object(f)| {
            let user_rating = f
                .user_rating
                .map(|WholeNumber(rating)| {
                    i32::try_from(rating).map_err(|_| {
                        ApiError::at_pointer(
                            ErrorKind::Validation,
                            "/user_feedback/user_rating",
                            "user_rating is out of range.",
                        )
                    })
                })
                .transpose()?;
            Ok::<_, ApiError>(pb::UserFeedback {
                user_rating,
                user_comment: inner(f.user_comment),
            })
        })
        .transpose()?;
    let misc = match body.misc {
        Some(Some(Object(misc))) => Some(pb::PortingMisc {
            r#type: misc
                .r#type
                .as_deref()
                .map(|raw| PortingType::parse_field("misc/type", raw))
                .transpose()?
                .map_or(0, |t| t as i32),
            remaining_numbers_action: match misc.remaining_numbers_action {
                None => None,
                Some(None) => Some(pb::RemainingNumbersAction::Unspecified as i32),
                Some(Some(raw)) => Some(RemainingNumbersAction::parse_field(
                    "misc/remaining_numbers_action",
                    &raw,
                )? as i32),
            },
            new_billing_phone_number: inner(misc.new_billing_phone_number),
        }),
        Some(None) | None => None,
    };
    let request = pb::UpdatePortingOrderRequest {
        account_id: account.to_string(),
        porting_order_id: id,
        messaging: body.messaging.map(|Object(m)| pb::MessagingUpdate {
            enable_messaging: m.enable_messaging,
        }),
        phone_number_configuration: configuration.map(|Object(c)| {
            pb::PhoneNumberConfigurationUpdate {
                connection_id: nullable_string(c.connection_id),
                messaging_profile_id: nullable_string(c.messaging_profile_id),
                billing_group_id: nullable_string(c.billing_group_id),
                emergency_address_id: nullable_string(c.emergency_address_id),
                tags: c.tags.map(|values| pb::StringList { values }),
            }
        }),
        activation_settings: body.activation_settings.map(|Object(a)| {
            pb::ActivationSettingsUpdate {
                foc_datetime_requested: a.foc_datetime_requested.map(convert::timestamp),
            }
        }),
        end_user: body.end_user.map(|Object(end_user)| pb::EndUser {
            admin: end_user.admin.map(|Object(a)| pb::EndUserAdmin {
                entity_name: inner(a.entity_name),
                auth_person_name: inner(a.auth_person_name),
                billing_phone_number: inner(a.billing_phone_number),
                account_number: inner(a.account_number),
                pin_passcode: inner(a.pin_passcode),
                tax_identifier: inner(a.tax_identifier),
                business_identifier: inner(a.business_identifier),
            }),
            location: end_user.location.map(|Object(l)| pb::EndUserLocation {
                street_address: inner(l.street_address),
                extended_address: inner(l.extended_address),
                locality: inner(l.locality),
                administrative_area: inner(l.administrative_area),
                postal_code: inner(l.postal_code),
                country_code: inner(l.country_code),
            }),
        }),
        documents: body.documents.map(|Object(d)| pb::PortingDocuments {
            loa: inner(d.loa),
            invoice: inner(d.invoice),
        }),
        clear_misc,
        misc,
        requirements: body.requirements.map(|list| pb::RequirementInputList {
            values: list
                .into_iter()
                .map(|Object(r)| pb::RequirementInput {
                    requirement_type_id: r.requirement_type_id,
                    field_value: r.field_value,
                })
                .collect(),
        }),
        requirement_group_id: body.requirement_group_id,
        customer_reference: nullable_string(body.customer_reference),
        customer_group_reference: body.customer_group_reference,
        user_feedback,
        webhook_url: nullable_string(body.webhook_url),
    };
    let response = state
        .porting_orders
        .clone()
        .update_porting_order(request)
        .await?
        .into_inner();
    order_answer(response.order, false)
}

pub async fn confirm(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<OrderAnswer>, HttpError> {
    let response = state
        .porting_orders
        .clone()
        .confirm_porting_order(pb::ConfirmPortingOrderRequest {
            account_id: account.to_string(),
            porting_order_id: id,
        })
        .await?
        .into_inner();
    order_answer(response.order, false)
}

pub async fn cancel(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<OrderAnswer>, HttpError> {
    let response = state
        .porting_orders
        .clone()
        .cancel_porting_order(pb::CancelPortingOrderRequest {
            account_id: account.to_string(),
            porting_order_id: id,
        })
        .await?
        .into_inner();
    order_answer(response.order, false)
}

pub async fn delete(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, HttpError> {
    state
        .porting_orders
        .clone()
        .delete_porting_order(pb::DeletePortingOrderRequest {
            account_id: account.to_string(),
            porting_order_id: id,
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn list_numbers(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    query: QueryPairs,
) -> Result<Json<List<NumberJson>>, HttpError> {
    let request = pb::ListPortingPhoneNumbersRequest {
        account_id: account.to_string(),
        page: Some(query.page()?),
        porting_order_status: query
            .get("filter[porting_order_status]")
            .map(|raw| {
                PortingOrderStatus::parse_parameter("filter[porting_order_status]", raw)
                    .map(|s| s as i32)
            })
            .transpose()?,
        porting_order_ids: one_or_many(
            &query,
            "filter[porting_order_id]",
            "filter[porting_order_id][in][]",
        ),
        support_keys: texts(
            &query,
            "filter[support_key][eq]",
            "filter[support_key][in][]",
        ),
        phone_numbers: texts(&query, "filter[phone_number]", "filter[phone_number][in][]"),
        activation_status: query
            .get("filter[activation_status]")
            .map(|raw| {
                ActivationStatus::parse_parameter("filter[activation_status]", raw)
                    .map(|s| s as i32)
            })
            .transpose()?,
        portability_status: query
            .get("filter[portability_status]")
            .map(|raw| {
                PortabilityStatus::parse_parameter("filter[portability_status]", raw)
                    .map(|s| s as i32)
            })
            .transpose()?,
        messaging_port_status: query
            .get("filter[messaging_port_status]")
            .map(|raw| {
                MessagingPortStatus::parse_parameter("filter[messaging_port_status]", raw)
                    .map(|s| s as i32)
            })
            .transpose()?,
    };
    let response = state
        .porting_orders
        .clone()
        .list_porting_phone_numbers(request)
        .await?
        .into_inner();
    let data = response
        .phone_numbers
        .into_iter()
        .map(NumberJson::new)
        .collect::<Result<_, _>>()?;
    Ok(Json(List::new(data, response.page)))
}

// === the operator ===

#[derive(Serialize)]
pub struct ExceptionJson {
    porting_order_id: String,
    user_id: String,
    phone_number: String,
    messaging_exception: Option<String>,
    updated_at: Option<String>,
}

pub async fn list_exceptions(
    State(state): State<AppState>,
    query: QueryPairs,
) -> Result<Json<List<ExceptionJson>>, HttpError> {
    let response = state
        .porting_operator
        .clone()
        .list_messaging_exceptions(pb::ListMessagingExceptionsRequest {
            page: Some(query.page()?),
        })
        .await?
        .into_inner();
    let data = response
        .exceptions
        .into_iter()
        .map(|entry| {
            let number = required(entry.phone_number, "a phone number")?;
            Ok(ExceptionJson {
                porting_order_id: number.porting_order_id,
                user_id: entry.account_id,
                phone_number: number.phone_number,
                messaging_exception: number.messaging_exception,
                updated_at: time(number.updated_at.as_ref()),
            })
        })
        .collect::<Result<_, HttpError>>()?;
    Ok(Json(List::new(data, response.page)))
}

/// `{data: <number>, meta: {porting_order: <order>}}`: the operator's action on one number.
#[derive(Serialize)]
pub struct NumberAnswer {
    data: NumberJson,
    meta: NumberMeta,
}

#[derive(Serialize)]
struct NumberMeta {
    porting_order: OrderJson,
}

fn number_answer(
    number: Option<pb::PortingPhoneNumber>,
    order: Option<pb::PortingOrder>,
) -> Result<Json<NumberAnswer>, HttpError> {
    Ok(Json(NumberAnswer {
        data: NumberJson::new(required(number, "a phone number")?)?,
        meta: NumberMeta {
            porting_order: OrderJson::new(order, false)?,
        },
    }))
}

pub async fn override_nnid(
    State(state): State<AppState>,
    ApiPath((id, phone_number)): ApiPath<(String, String)>,
) -> Result<Json<NumberAnswer>, HttpError> {
    let response = state
        .porting_operator
        .clone()
        .override_nnid(pb::OverrideNnidRequest {
            porting_order_id: id,
            phone_number,
        })
        .await?
        .into_inner();
    number_answer(response.phone_number, response.order)
}

pub async fn give_up(
    State(state): State<AppState>,
    ApiPath((id, phone_number)): ApiPath<(String, String)>,
) -> Result<Json<NumberAnswer>, HttpError> {
    let response = state
        .porting_operator
        .clone()
        .give_up_messaging(pb::GiveUpMessagingRequest {
            porting_order_id: id,
            phone_number,
        })
        .await?
        .into_inner();
    number_answer(response.phone_number, response.order)
}

// === the sandbox ===

#[derive(Deserialize, Default)]
pub struct StepBody {
    foc_datetime_actual: Option<DateTime<Utc>>,
    code: Option<String>,
    description: Option<String>,
}

pub async fn advance(
    State(state): State<AppState>,
    ApiPath((id, step)): ApiPath<(String, String)>,
    OptionalJson(body): OptionalJson<StepBody>,
) -> Result<Json<Data<OrderJson>>, HttpError> {
    let body = body.unwrap_or_default();
    let step = match step.as_str() {
        "submit" => pb::PortingStep::Submit,
        "confirm_foc" => pb::PortingStep::ConfirmFoc,
        "raise_exception" => pb::PortingStep::RaiseException,
        "port" => pb::PortingStep::Port,
        "finish_cancel" => pb::PortingStep::FinishCancel,
        _ => {
            return Err(ApiError::new(
                ErrorKind::RouteNotFound,
                "The step must be submit, confirm_foc, raise_exception, port or finish_cancel.",
            )
            .into());
        }
    };
    let response = state
        .porting_sandbox
        .clone()
        .advance_porting_order(pb::AdvancePortingOrderRequest {
            porting_order_id: id,
            step: step as i32,
            foc_datetime_actual: body.foc_datetime_actual.map(convert::timestamp),
            detail: Some(pb::PortingOrderStatusDetail {
                code: body.code.unwrap_or_default(),
                description: body.description.unwrap_or_default(),
            }),
        })
        .await?
        .into_inner();
    Ok(Json(Data {
        data: OrderJson::new(response.order, false)?,
    }))
}

#[derive(Deserialize)]
pub struct NnidBody {
    result: Option<String>,
}

#[derive(Serialize)]
pub struct NnidJson {
    phone_number: String,
    handover: Option<&'static str>,
    nnid: String,
}

pub async fn set_nnid(
    State(state): State<AppState>,
    ApiPath(phone_number): ApiPath<String>,
    ApiJson(body): ApiJson<NnidBody>,
) -> Result<Json<Data<NnidJson>>, HttpError> {
    let raw = body.result.ok_or_else(|| {
        ApiError::at_pointer(
            ErrorKind::Validation,
            "/result",
            "result is required: ported or exception.",
        )
    })?;
    let handover = match raw.as_str() {
        "ported" => eligibility_pb::NnidHandover::Ours,
        "exception" => eligibility_pb::NnidHandover::Refused,
        _ => {
            return Err(ApiError::at_pointer(
                ErrorKind::InvalidEnum,
                "/result",
                "result must be one of ported, exception.",
            )
            .into());
        }
    };
    let state_of = state
        .directory_sandbox
        .clone()
        .set_nnid_handover(SetNnidHandoverRequest {
            phone_number,
            handover: handover as i32,
        })
        .await?
        .into_inner()
        .number;
    let number = required(state_of, "the number's NNID")?;
    Ok(Json(Data {
        data: NnidJson {
            handover: NnidHandover::text_of(number.handover),
            phone_number: number.phone_number,
            nnid: number.nnid,
        },
    }))
}
