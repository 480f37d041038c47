//! `/v2/10dlc/phone_number_campaigns`: which 10DLC campaign each of the caller's numbers is
//! linked to (eligibility's `CampaignService`). Telnyx's 10DLC family: camelCase, no `data`
//! envelope, lists as `{page, records, totalRecords}`; errors in the usual envelope.

use axum::extract::State;
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use textport_domain::{E164, Page, PageError};
use textport_platform::{ApiError, ErrorKind, convert};
use textport_proto::common::v1::PageRequest;
use textport_proto::eligibility::v1 as pb;

use super::required;
use crate::auth::Caller;
use crate::error::HttpError;
use crate::extract::{ApiJson, ApiPath, QueryPairs};
use crate::state::AppState;
use crate::wire::{AssignmentStatus, CampaignSort};

/// The body of a create and of an update.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LinkBody {
    phone_number: Option<String>,
    campaign_id: Option<String>,
}

/// Telnyx's PhoneNumberCampaign. Brands and TCR ids are not known here (there is no campaign
/// registry), so they are `null`, as are failure reasons: a link is assigned at once.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PhoneNumberCampaignJson {
    phone_number: String,
    campaign_id: String,
    telnyx_campaign_id: String,
    brand_id: Option<String>,
    tcr_brand_id: Option<String>,
    tcr_campaign_id: Option<String>,
    failure_reasons: Option<String>,
    assignment_status: &'static str,
    created_at: String,
    updated_at: String,
}

impl PhoneNumberCampaignJson {
    fn new(link: Option<pb::PhoneNumberCampaign>) -> Result<Self, HttpError> {
        let link = required(link, "a link")?;
        Ok(Self {
            assignment_status: required(
                AssignmentStatus::text_of(link.assignment_status),
                "an assignment status",
            )?,
            created_at: tenth_dlc_time(required(
                convert::datetime(link.created_at.as_ref()),
                "a created_at",
            )?),
            updated_at: tenth_dlc_time(required(
                convert::datetime(link.updated_at.as_ref()),
                "an updated_at",
            )?),
            telnyx_campaign_id: link.campaign_id.clone(),
            phone_number: link.phone_number,
            campaign_id: link.campaign_id,
            brand_id: None,
            tcr_brand_id: None,
            tcr_campaign_id: None,
            failure_reasons: None,
        })
    }
}

/// `{page, records, totalRecords}`: the 10DLC list shape the SDK's pager reads.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListJson {
    page: u32,
    records: Vec<PhoneNumberCampaignJson>,
    total_records: u64,
}

/// 10DLC timestamps, as Telnyx writes them: UTC without a zone, microseconds
/// (`2021-03-08T17:57:48.801186`).
fn tenth_dlc_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

/// `page` (1-based) and `recordsPerPage` (1 to 250), defaults 1 and 20; a bad one is named.
fn page_of(query: &QueryPairs) -> Result<PageRequest, ApiError> {
    const NUMBER: &str = "page must be an integer of at least 1.";
    const SIZE: &str = "recordsPerPage must be an integer between 1 and 250.";
    let parse = |key: &str, message: &str| -> Result<Option<u32>, ApiError> {
        query
            .get(key)
            .map(|raw| {
                raw.parse::<u32>()
                    .map_err(|_| ApiError::at_parameter(ErrorKind::Validation, key, message))
            })
            .transpose()
    };
    let page =
        Page::new(parse("page", NUMBER)?, parse("recordsPerPage", SIZE)?).map_err(|error| {
            match error {
                PageError::Number => ApiError::at_parameter(ErrorKind::Validation, "page", NUMBER),
                PageError::Size => {
                    ApiError::at_parameter(ErrorKind::Validation, "recordsPerPage", SIZE)
                }
            }
        })?;
    Ok(PageRequest {
        number: page.number(),
        size: page.size(),
    })
}

/// A filter's value; the SDKs leave an empty one out, so an empty one here means no filter.
fn filter(query: &QueryPairs, key: &str) -> Option<String> {
    query
        .get(key)
        .filter(|value| !value.is_empty())
        .map(str::to_owned)
}

/// The update's `phoneNumber` must be the path's number (a link does not move to another
/// number); absent, the path's number is meant.
fn same_number(path: &str, body: Option<&str>) -> Result<(), ApiError> {
    let Some(body) = body else {
        return Ok(());
    };
    let in_body = E164::parse(body).map_err(|error| {
        ApiError::at_pointer(
            ErrorKind::InvalidPhoneNumber,
            "/phoneNumber",
            format!("phoneNumber must be in +E.164 format: {error}"),
        )
    })?;
    match E164::parse(path) {
        Ok(in_path) if in_path != in_body => Err(ApiError::at_pointer(
            ErrorKind::Validation,
            "/phoneNumber",
            format!("phoneNumber must be the phone number in the path, {in_path}."),
        )),
        // A path that is no number has no link: the service answers 404.
        _ => Ok(()),
    }
}

pub async fn create(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiJson(body): ApiJson<LinkBody>,
) -> Result<Json<PhoneNumberCampaignJson>, HttpError> {
    let request = pb::CreatePhoneNumberCampaignRequest {
        account_id: account.to_string(),
        phone_number: body.phone_number.unwrap_or_default(),
        campaign_id: body.campaign_id.unwrap_or_default(),
    };
    let link = state
        .campaigns
        .clone()
        .create_phone_number_campaign(request)
        .await?
        .into_inner()
        .link;
    Ok(Json(PhoneNumberCampaignJson::new(link)?))
}

pub async fn list(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    query: QueryPairs,
) -> Result<Json<ListJson>, HttpError> {
    let sort = query
        .get("sort")
        .filter(|raw| !raw.is_empty())
        .map(|raw| CampaignSort::parse_parameter("sort", raw))
        .transpose()?
        .unwrap_or(pb::PhoneNumberCampaignSort::Unspecified);
    let request = pb::ListPhoneNumberCampaignsRequest {
        account_id: account.to_string(),
        page: Some(page_of(&query)?),
        campaign_id: filter(&query, "filter[telnyx_campaign_id]"),
        brand_id: filter(&query, "filter[telnyx_brand_id]"),
        tcr_brand_id: filter(&query, "filter[tcr_brand_id]"),
        tcr_campaign_id: filter(&query, "filter[tcr_campaign_id]"),
        sort: sort as i32,
    };
    let response = state
        .campaigns
        .clone()
        .list_phone_number_campaigns(request)
        .await?
        .into_inner();
    let page = required(response.page, "a page")?;
    let records = response
        .links
        .into_iter()
        .map(|link| PhoneNumberCampaignJson::new(Some(link)))
        .collect::<Result<_, _>>()?;
    Ok(Json(ListJson {
        page: page.number,
        records,
        total_records: page.total_results,
    }))
}

pub async fn retrieve(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiPath(phone_number): ApiPath<String>,
) -> Result<Json<PhoneNumberCampaignJson>, HttpError> {
    let request = pb::GetPhoneNumberCampaignRequest {
        account_id: account.to_string(),
        phone_number,
    };
    let link = state
        .campaigns
        .clone()
        .get_phone_number_campaign(request)
        .await?
        .into_inner()
        .link;
    Ok(Json(PhoneNumberCampaignJson::new(link)?))
}

pub async fn update(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiPath(phone_number): ApiPath<String>,
    ApiJson(body): ApiJson<LinkBody>,
) -> Result<Json<PhoneNumberCampaignJson>, HttpError> {
    if let Err(mismatch) = same_number(&phone_number, body.phone_number.as_deref()) {
        // A number without the caller's link is not found, whatever the body says.
        state
            .campaigns
            .clone()
            .get_phone_number_campaign(pb::GetPhoneNumberCampaignRequest {
                account_id: account.to_string(),
                phone_number,
            })
            .await?;
        return Err(mismatch.into());
    }
    let request = pb::UpdatePhoneNumberCampaignRequest {
        account_id: account.to_string(),
        phone_number,
        campaign_id: body.campaign_id.unwrap_or_default(),
    };
    let link = state
        .campaigns
        .clone()
        .update_phone_number_campaign(request)
        .await?
        .into_inner()
        .link;
    Ok(Json(PhoneNumberCampaignJson::new(link)?))
}

/// Answers the removed link.
pub async fn delete(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiPath(phone_number): ApiPath<String>,
) -> Result<Json<PhoneNumberCampaignJson>, HttpError> {
    let request = pb::DeletePhoneNumberCampaignRequest {
        account_id: account.to_string(),
        phone_number,
    };
    let link = state
        .campaigns
        .clone()
        .delete_phone_number_campaign(request)
        .await?
        .into_inner()
        .link;
    Ok(Json(PhoneNumberCampaignJson::new(link)?))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::Value;

    use super::*;

    fn pairs(query: &[(&str, &str)]) -> QueryPairs {
        QueryPairs::from_pairs(query)
    }

    #[test]
    fn times_are_utc_without_a_zone_in_microseconds() {
        let at = Utc
            .with_ymd_and_hms(2021, 3, 8, 17, 57, 48)
            .single()
            .expect("valid")
            + chrono::Duration::microseconds(801_186);
        assert_eq!(tenth_dlc_time(at), "2021-03-08T17:57:48.801186");
        let whole = Utc
            .with_ymd_and_hms(2026, 1, 2, 3, 4, 5)
            .single()
            .expect("valid");
        assert_eq!(tenth_dlc_time(whole), "2026-01-02T03:04:05.000000");
    }

    #[test]
    fn pages_default_and_bad_ones_name_their_parameter() {
        assert_eq!(
            page_of(&pairs(&[])).expect("defaults"),
            PageRequest {
                number: 1,
                size: 20
            }
        );
        assert_eq!(
            page_of(&pairs(&[("page", "3"), ("recordsPerPage", "250")])).expect("valid"),
            PageRequest {
                number: 3,
                size: 250
            }
        );
        for (query, parameter) in [
            (&[("page", "0")][..], "page"),
            (&[("page", "x")][..], "page"),
            (&[("recordsPerPage", "251")][..], "recordsPerPage"),
            (&[("recordsPerPage", "0")][..], "recordsPerPage"),
            (&[("recordsPerPage", "")][..], "recordsPerPage"),
        ] {
            let error = page_of(&pairs(query)).expect_err("refused");
            assert_eq!(
                error.envelope()["errors"][0]["source"]["parameter"],
                parameter
            );
        }
    }

    #[test]
    fn an_update_keeps_its_number() {
        assert!(same_number("+13125552001", None).is_ok());
        assert!(same_number("+13125552001", Some("+13125552001")).is_ok());
        let moved = same_number("+13125552001", Some("+13125552002")).expect_err("refused");
        assert_eq!(moved.kind, ErrorKind::Validation);
        assert_eq!(
            moved.envelope()["errors"][0]["source"]["pointer"],
            "/phoneNumber"
        );
        let bad = same_number("+13125552001", Some("3125552001")).expect_err("refused");
        assert_eq!(bad.kind, ErrorKind::InvalidPhoneNumber);
        assert!(
            same_number("garbage", Some("+13125552001")).is_ok(),
            "no number in the path: the service's 404"
        );
    }

    #[test]
    fn the_openapi_document_lists_the_tables() {
        let document: Value = serde_json::from_str(crate::OPENAPI).expect("valid JSON");
        AssignmentStatus::check();
        CampaignSort::check();
        let texts = |value: &Value| -> Vec<String> {
            value
                .as_array()
                .expect("an enum")
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        };
        assert_eq!(
            texts(
                &document["components"]["schemas"]["PhoneNumberCampaign"]["properties"]["assignmentStatus"]
                    ["enum"]
            ),
            AssignmentStatus::TEXTS
        );
        assert_eq!(
            texts(
                &document["components"]["parameters"]["PhoneNumberCampaignSort"]["schema"]["enum"]
            ),
            CampaignSort::TEXTS
        );
    }
}
