use std::collections::BTreeSet;

use prost::Message;
use prost_types::FileDescriptorSet;
use textport_platform::server::{HEALTH_SERVICE, REFLECTION_V1, REFLECTION_V1ALPHA};
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

use crate::support::{spawn, spawn_with};

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

/// The gRPC services of one package, from the descriptor set every server registers.
fn package_services(package: &str) -> BTreeSet<String> {
    let set = FileDescriptorSet::decode(textport_proto::FILE_DESCRIPTOR_SET).expect("descriptors");
    set.file
        .iter()
        .filter(|file| file.package() == package)
        .flat_map(|file| {
            file.service
                .iter()
                .map(|s| format!("{package}.{}", s.name()))
        })
        .collect()
}

/// The health of `name`, once known: a server sets its services' statuses after its first
/// database ping, which may finish a moment after the suite started (the last service built
/// has had the least time).
async fn serving(
    health: &mut HealthClient<tonic::transport::Channel>,
    name: &str,
) -> ServingStatus {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let answer = health
            .check(HealthCheckRequest {
                service: name.to_owned(),
            })
            .await;
        match answer {
            Ok(answer) => return answer.into_inner().status(),
            Err(status)
                if status.code() == tonic::Code::NotFound
                    && tokio::time::Instant::now() < deadline =>
            {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            Err(status) => panic!("health of {name:?}: {status}"),
        }
    }
}

/// Every gRPC role of the registry lists through reflection exactly its own package's services
/// (the sandbox's only with the sandbox on), the event sink if relays send it events, plus
/// health and reflection, and each is SERVING.
#[tokio::test(flavor = "multi_thread")]
async fn every_role_answers_health_and_lists_exactly_its_own_services() {
    for sandbox in [true, false] {
        let mut config = crate::support::plain_config();
        config.sandbox.enabled = Some(sandbox);
        let suite = spawn_with(config).await;
        for role in textport::ROLES.iter().filter(|role| role.grpc) {
            let addr = &suite.state.services[role.name];
            let mut own: BTreeSet<String> =
                package_services(&format!("textport.{}.v1", role.section))
                    .into_iter()
                    .filter(|name| sandbox || !name.ends_with("SandboxService"))
                    .collect();
            if role.event_sink {
                own.insert("textport.events.v1.EventSinkService".to_owned());
            }
            assert!(!own.is_empty(), "{} serves nothing", role.name);
            let mut expected = own.clone();
            expected.extend([HEALTH_SERVICE, REFLECTION_V1, REFLECTION_V1ALPHA].map(str::to_owned));
            let listed: BTreeSet<String> = listed_services(addr).await.into_iter().collect();
            assert_eq!(listed, expected, "{} (sandbox {sandbox})", role.name);

            let mut health = HealthClient::new(channel(addr).await);
            for name in own.iter().map(String::as_str).chain([""]) {
                let status = serving(&mut health, name).await;
                assert_eq!(status, ServingStatus::Serving, "{}/{name}", role.name);
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
