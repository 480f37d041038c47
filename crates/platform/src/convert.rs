//! Conversions every service's `grpc.rs` needs at its edge.

use chrono::{DateTime, Utc};
use textport_domain::{AccountId, IdError, Page, PageError, PageInfo};
use textport_proto::common::v1 as pb;

use crate::{ApiError, ErrorKind};

pub fn timestamp(at: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: i32::try_from(at.timestamp_subsec_nanos()).unwrap_or(0),
    }
}

pub fn datetime(at: Option<&prost_types::Timestamp>) -> Option<DateTime<Utc>> {
    at.and_then(|t| DateTime::from_timestamp(t.seconds, u32::try_from(t.nanos).unwrap_or(0)))
}

/// An absent page, or zero fields, mean the defaults.
pub fn page(request: Option<&pb::PageRequest>) -> Result<Page, ApiError> {
    let non_zero = |v: u32| (v != 0).then_some(v);
    Page::new(
        request.and_then(|p| non_zero(p.number)),
        request.and_then(|p| non_zero(p.size)),
    )
    .map_err(|error| {
        let parameter = match error {
            PageError::Number => "page[number]",
            PageError::Size => "page[size]",
        };
        ApiError::at_parameter(ErrorKind::Validation, parameter, error.to_string())
    })
}

pub fn page_info(info: PageInfo) -> pb::PageInfo {
    pb::PageInfo {
        number: info.number,
        size: info.size,
        total_pages: info.total_pages,
        total_results: info.total_results,
    }
}

/// A typed id from a request field; a bad one names the field.
pub fn id<T>(
    pointer: &str,
    parse: impl FnOnce(&str) -> Result<T, IdError>,
    raw: &str,
) -> Result<T, ApiError> {
    parse(raw)
        .map_err(|error| ApiError::at_pointer(ErrorKind::Validation, pointer, error.to_string()))
}

/// The calling account every service request carries in `account_id`.
pub fn caller(raw: &str) -> Result<AccountId, ApiError> {
    id("/account_id", AccountId::parse, raw)
}
