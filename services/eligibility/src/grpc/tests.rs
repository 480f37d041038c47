use std::sync::Arc;

use textport_domain::SystemClock;
use textport_platform::config::DatabaseConfig;
use textport_platform::db::Schema;
use textport_platform::error::Source;
use textport_proto::eligibility::v1::directory_sandbox_service_server::DirectorySandboxService as _;
use textport_proto::eligibility::v1::number_directory_service_server::NumberDirectoryService as _;

use super::*;
use crate::{SandboxRouting, store};

async fn api() -> EligibilityApi {
    let config = DatabaseConfig {
        url: "sqlite::memory:".to_owned(),
        schema: None,
        max_connections: 1,
    };
    let db = textport_platform::db::open::<store::Migrator>(&config, Schema::Migrate)
        .await
        .expect("in-memory database");
    EligibilityApi::new(App::new(
        db,
        Arc::new(SandboxRouting),
        Arc::new(SystemClock),
    ))
}

/// The field an INVALID_ARGUMENT answer names.
fn invalid_field(status: &Status) -> String {
    assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
    match &ApiError::from_status(status).violations[..] {
        [violation] => match &violation.source {
            Source::Pointer(field) | Source::Parameter(field) => field.clone(),
        },
        other => panic!("one field violation expected, got {other:?}"),
    }
}

fn strings(raw: &[&str]) -> Vec<String> {
    raw.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test]
async fn a_number_that_is_no_e164_names_its_place() {
    let api = api().await;
    let states = api
        .get_nnid_states(Request::new(pb::GetNnidStatesRequest {
            phone_numbers: strings(&["+13125550001", "3125550002"]),
        }))
        .await
        .expect_err("refused");
    assert_eq!(invalid_field(&states), "/phone_numbers/1");
    let overridden = api
        .override_nnids(Request::new(pb::OverrideNnidsRequest {
            phone_numbers: strings(&["nope"]),
        }))
        .await
        .expect_err("refused");
    assert_eq!(invalid_field(&overridden), "/phone_numbers/0");
}

#[tokio::test]
async fn a_port_needs_its_order_its_foc_and_at_most_a_thousand_numbers() {
    let api = api().await;
    let request = || pb::PortNumbersRequest {
        account_id: AccountId::new().to_string(),
        porting_order_id: Uuid::from_u128(1).to_string(),
        phone_numbers: strings(&["+13125550001"]),
        foc_at: Some(convert::timestamp(chrono::Utc::now())),
    };
    let cases = [
        (
            pb::PortNumbersRequest {
                porting_order_id: "not-a-uuid".to_owned(),
                ..request()
            },
            "/porting_order_id",
        ),
        (
            pb::PortNumbersRequest {
                foc_at: None,
                ..request()
            },
            "/foc_at",
        ),
        (
            pb::PortNumbersRequest {
                phone_numbers: vec!["+13125550001".to_owned(); 1_001],
                ..request()
            },
            "/phone_numbers",
        ),
    ];
    for (bad, field) in cases {
        let status = api
            .port_numbers(Request::new(bad))
            .await
            .expect_err("refused");
        assert_eq!(invalid_field(&status), field);
    }
    let ported = api
        .port_numbers(Request::new(request()))
        .await
        .expect("ported")
        .into_inner();
    assert_eq!(
        ported.numbers,
        vec![pb::NnidState {
            phone_number: "+13125550001".to_owned(),
            handover: pb::NnidHandover::Ours as i32,
            nnid: textport_domain::PLATFORM_NNID.to_owned(),
        }]
    );
}

#[tokio::test]
async fn the_sandbox_sets_only_a_carriers_final_word() {
    let api = api().await;
    for handover in [
        pb::NnidHandover::Unspecified as i32,
        pb::NnidHandover::None as i32,
        pb::NnidHandover::Waiting as i32,
        42,
    ] {
        let status = api
            .set_nnid_handover(Request::new(pb::SetNnidHandoverRequest {
                phone_number: "+13125551750".to_owned(),
                handover,
            }))
            .await
            .expect_err("refused");
        assert_eq!(invalid_field(&status), "/handover", "{handover}");
    }
    let refused = api
        .set_nnid_handover(Request::new(pb::SetNnidHandoverRequest {
            phone_number: "+13125551750".to_owned(),
            handover: pb::NnidHandover::Refused as i32,
        }))
        .await
        .expect("set")
        .into_inner();
    assert_eq!(
        refused.number.map(|state| state.handover),
        Some(pb::NnidHandover::Refused as i32)
    );
}
