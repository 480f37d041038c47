pub mod approval;
pub mod campaigns;
pub mod eligibility;
pub mod health;
pub mod hosted;
pub mod notifications;
pub mod operator;
pub mod porting;
pub mod profiles;
pub mod sandbox;
pub mod transfer_policy;
pub mod webhooks;

use chrono::SecondsFormat;
use serde::Serialize;
use textport_platform::{ApiError, convert};
use textport_proto::common::v1::PageInfo;

use crate::error::HttpError;

/// Public timestamps: RFC 3339, milliseconds, `Z`.
pub fn time(at: Option<&prost_types::Timestamp>) -> Option<String> {
    convert::datetime(at).map(|at| at.to_rfc3339_opts(SecondsFormat::Millis, true))
}

/// `{"data": …}`, the envelope of one resource.
#[derive(Serialize)]
pub struct Data<T> {
    pub data: T,
}

/// `{"data": [...], "meta": {...}}`, the envelope of a list.
#[derive(Serialize)]
pub struct List<T> {
    pub data: Vec<T>,
    pub meta: PageMeta,
}

#[derive(Serialize)]
pub struct PageMeta {
    pub page_number: u32,
    pub page_size: u32,
    pub total_pages: u32,
    pub total_results: u64,
}

impl<T> List<T> {
    pub fn new(data: Vec<T>, page: Option<PageInfo>) -> Self {
        let page = page.unwrap_or_default();
        Self {
            data,
            meta: PageMeta {
                page_number: page.number,
                page_size: page.size,
                total_pages: page.total_pages,
                total_results: page.total_results,
            },
        }
    }
}

/// A message field a downstream service always sets; its absence is that service's bug.
pub fn required<T>(value: Option<T>, what: &str) -> Result<T, HttpError> {
    value.ok_or_else(|| {
        HttpError(ApiError::internal_message(format_args!(
            "a downstream service answered without {what}"
        )))
    })
}
