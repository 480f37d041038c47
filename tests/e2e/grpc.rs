use textport_proto::eligibility::v1::CheckHostedEligibilityRequest;
use textport_proto::eligibility::v1::eligibility_service_client::EligibilityServiceClient;
use tokio_stream::StreamExt;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_reflection::pb::v1::ServerReflectionRequest;
use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

use crate::support::spawn;

async fn channel(addr: &str) -> tonic::transport::Channel {
    tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
        .expect("valid")
        .connect()
        .await
        .expect("connects")
}

async fn listed_services(addr: &str) -> Vec<String> {
    let mut client = ServerReflectionClient::new(channel(addr).await);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut stream = client
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .expect("reflection answers")
        .into_inner();
    match stream
        .next()
        .await
        .expect("one answer")
        .expect("no error")
        .message_response
    {
        Some(MessageResponse::ListServicesResponse(list)) => {
            list.service.into_iter().map(|s| s.name).collect()
        }
        other => panic!("unexpected reflection answer {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_service_lists_itself_through_reflection_and_is_healthy() {
    let suite = spawn().await;
    let expected = [
        (
            "accounts",
            vec![
                "textport.accounts.v1.AccountService",
                "textport.accounts.v1.MessagingProfileService",
            ],
        ),
        (
            "eligibility",
            vec![
                "textport.eligibility.v1.EligibilityService",
                "textport.eligibility.v1.NumberDirectoryService",
                "textport.eligibility.v1.DirectorySandboxService",
            ],
        ),
    ];
    for (service, names) in expected {
        let addr = &suite.state.services[service];
        let listed = listed_services(addr).await;
        assert!(
            listed.iter().any(|s| s == "grpc.health.v1.Health"),
            "{listed:?}"
        );
        let mut health = HealthClient::new(channel(addr).await);
        for name in names.iter().copied().chain([""]) {
            assert!(
                name.is_empty() || listed.iter().any(|s| s == name),
                "{name} not listed by {service}: {listed:?}"
            );
            let status = health
                .check(HealthCheckRequest {
                    service: name.to_owned(),
                })
                .await
                .expect("health answers")
                .into_inner()
                .status();
            assert_eq!(status, ServingStatus::Serving, "{service}/{name}");
        }
        let unknown = health
            .check(HealthCheckRequest {
                service: "textport.nope.v1.Nope".to_owned(),
            })
            .await;
        assert_eq!(
            unknown.expect_err("unknown service").code(),
            tonic::Code::NotFound
        );
    }
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn grpc_errors_carry_their_reason_and_field() {
    let suite = spawn().await;
    let mut client =
        EligibilityServiceClient::new(channel(&suite.state.services["eligibility"]).await);
    let status = client
        .check_hosted_eligibility(CheckHostedEligibilityRequest {
            account_id: suite.acme().id.clone(),
            phone_numbers: vec![],
        })
        .await
        .expect_err("no numbers");
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    let error = textport_platform::ApiError::from_status(&status);
    assert_eq!(error.kind, textport_platform::ErrorKind::Validation);
    assert_eq!(
        error.envelope()["errors"][0]["source"]["pointer"],
        "/phone_numbers"
    );

    let status = client
        .check_hosted_eligibility(CheckHostedEligibilityRequest {
            account_id: "nobody".to_owned(),
            phone_numbers: vec!["+13125550001".to_owned()],
        })
        .await
        .expect_err("bad account id");
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    suite.stop().await;
}
