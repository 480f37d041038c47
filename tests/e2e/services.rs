//! Each service on its own, on port 0 with a fresh database, through its generated gRPC client:
//! no gateway in between.

use std::sync::Arc;

use textport::{Config, Role, Storage};
use textport_domain::{AccountId, ApiKey, SystemClock};
use textport_platform::config::ServiceConfig;
use textport_platform::db::Schema;
use textport_platform::service::{Downstreams, Start};
use textport_platform::{ApiError, CancellationToken, ErrorKind};
use textport_proto::accounts::v1 as accounts;
use textport_proto::accounts::v1::account_service_client::AccountServiceClient;
use textport_proto::accounts::v1::messaging_profile_service_client::MessagingProfileServiceClient;
use textport_proto::eligibility::v1 as eligibility;
use textport_proto::eligibility::v1::directory_sandbox_service_client::DirectorySandboxServiceClient;
use textport_proto::eligibility::v1::number_directory_service_client::NumberDirectoryServiceClient;
use tokio::task::JoinHandle;
use tonic::Code;
use tonic::transport::Channel;

/// One service of the registry, running.
struct OneService {
    channel: Channel,
    shutdown: CancellationToken,
    task: JoinHandle<anyhow::Result<()>>,
    storage: Storage,
}

async fn start(name: &str, sandbox: bool) -> OneService {
    let role = Role::find(name).expect("a role of the registry");
    let storage = Storage::fresh("s");
    let start = Start {
        config: ServiceConfig {
            listen: "127.0.0.1:0".parse().expect("address"),
            database: storage.database(role.section),
            drain_seconds: 0,
            settings: Default::default(),
        },
        schema: Schema::Migrate,
        tls: None,
        clock: Arc::new(SystemClock),
        sandbox,
        downstreams: Downstreams::default(),
    };
    let built = role
        .build(start, &Config::default())
        .await
        .expect("service builds");
    let url = format!("http://{}", built.local_addr());
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(built.run(shutdown.clone()));
    let channel = Channel::from_shared(url)
        .expect("url")
        .connect()
        .await
        .expect("connects");
    OneService {
        channel,
        shutdown,
        task,
        storage,
    }
}

impl OneService {
    async fn stop(self) {
        self.shutdown.cancel();
        self.task.await.expect("joins").expect("stops cleanly");
        self.storage.discard().await.expect("data removed");
    }
}

fn key_hash(key: &str) -> Vec<u8> {
    ApiKey::parse(key).expect("key").hash().as_bytes().to_vec()
}

#[track_caller]
fn assert_status(status: &tonic::Status, code: Code, kind: ErrorKind) -> ApiError {
    assert_eq!(status.code(), code, "{status:?}");
    let error = ApiError::from_status(status);
    assert_eq!(error.kind, kind, "{status:?}");
    error
}

#[tokio::test(flavor = "multi_thread")]
async fn accounts_answer_conflicts_and_unknown_accounts_precisely() {
    let service = start("accounts", false).await;
    let mut client = AccountServiceClient::new(service.channel.clone());
    let create = |name: &str| accounts::CreateAccountRequest {
        name: name.to_owned(),
    };
    let account = client
        .create_account(create("initech"))
        .await
        .expect("created")
        .into_inner()
        .account
        .expect("account");
    let taken = client
        .create_account(create(" initech "))
        .await
        .expect_err("name taken");
    let error = assert_status(&taken, Code::AlreadyExists, ErrorKind::Conflict);
    assert_eq!(error.envelope()["errors"][0]["source"]["pointer"], "/name");

    let issue = |account_id: &str, key: &str| accounts::IssueApiKeyRequest {
        account_id: account_id.to_owned(),
        label: "ci".to_owned(),
        api_key_sha256: key_hash(key),
        replace_label: false,
    };
    let key = "KEYservicelevelkeynumberone000";
    client
        .issue_api_key(issue(&account.id, key))
        .await
        .expect("issued");
    let twice = client
        .issue_api_key(issue(&account.id, key))
        .await
        .expect_err("the same key twice");
    assert_status(&twice, Code::AlreadyExists, ErrorKind::Conflict);
    let nobody = AccountId::new().to_string();
    let unknown = client
        .issue_api_key(issue(&nobody, "KEYservicelevelkeynumbertwo000"))
        .await
        .expect_err("unknown account");
    assert_status(&unknown, Code::NotFound, ErrorKind::NotFound);
    let bad_hash = client
        .issue_api_key(accounts::IssueApiKeyRequest {
            api_key_sha256: vec![1, 2, 3],
            ..issue(&account.id, key)
        })
        .await
        .expect_err("not a hash");
    assert_status(&bad_hash, Code::InvalidArgument, ErrorKind::Validation);

    let mut profiles = MessagingProfileServiceClient::new(service.channel.clone());
    let orphan = profiles
        .create_messaging_profile(accounts::CreateMessagingProfileRequest {
            account_id: nobody,
            name: "Support".to_owned(),
            whitelisted_destinations: vec!["US".to_owned()],
            ..Default::default()
        })
        .await
        .expect_err("unknown account");
    assert_status(&orphan, Code::NotFound, ErrorKind::NotFound);
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_key_stops_authenticating_and_listing_never_shows_hashes() {
    let service = start("accounts", false).await;
    let mut client = AccountServiceClient::new(service.channel.clone());
    let account = client
        .create_account(accounts::CreateAccountRequest {
            name: "hooli".to_owned(),
        })
        .await
        .expect("created")
        .into_inner()
        .account
        .expect("account");
    let hash = key_hash("KEYrevokedsoonkey000000000000");
    let issued = client
        .issue_api_key(accounts::IssueApiKeyRequest {
            account_id: account.id.clone(),
            label: "temporary".to_owned(),
            api_key_sha256: hash.clone(),
            replace_label: false,
        })
        .await
        .expect("issued")
        .into_inner()
        .api_key
        .expect("key");
    let authenticate = accounts::AuthenticateApiKeyRequest {
        api_key_sha256: hash.clone(),
    };
    client
        .authenticate_api_key(authenticate.clone())
        .await
        .expect("a live key authenticates");
    let listed = client
        .list_api_keys(accounts::ListApiKeysRequest {
            account_id: account.id.clone(),
            page: None,
        })
        .await
        .expect("listed")
        .into_inner();
    assert_eq!(listed.api_keys, vec![issued.clone()]);
    let revoked = client
        .revoke_api_key(accounts::RevokeApiKeyRequest {
            api_key_id: issued.id.clone(),
        })
        .await
        .expect("revoked")
        .into_inner();
    assert_eq!(revoked.api_key_sha256, hash);
    let refused = client
        .authenticate_api_key(authenticate)
        .await
        .expect_err("revoked");
    assert_status(&refused, Code::Unauthenticated, ErrorKind::Unauthenticated);
    let again = client
        .revoke_api_key(accounts::RevokeApiKeyRequest {
            api_key_id: issued.id,
        })
        .await
        .expect_err("already revoked");
    assert_status(&again, Code::NotFound, ErrorKind::NotFound);
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn eligibility_caps_requests_and_names_each_bad_field() {
    let service = start("eligibility", true).await;
    let mut directory = NumberDirectoryServiceClient::new(service.channel.clone());
    let over = directory
        .lookup_numbers(eligibility::LookupNumbersRequest {
            phone_numbers: vec!["not even a number".to_owned(); 1_001],
        })
        .await
        .expect_err("over the cap");
    let error = assert_status(&over, Code::InvalidArgument, ErrorKind::Validation);
    assert_eq!(
        error.envelope()["errors"][0]["source"]["pointer"],
        "/phone_numbers"
    );
    let malformed = directory
        .lookup_numbers(eligibility::LookupNumbersRequest {
            phone_numbers: vec!["+13125550001".to_owned(), "312".to_owned()],
        })
        .await
        .expect_err("not E.164");
    let error = assert_status(
        &malformed,
        Code::InvalidArgument,
        ErrorKind::InvalidPhoneNumber,
    );
    assert_eq!(
        error.envelope()["errors"][0]["source"]["pointer"],
        "/phone_numbers/1"
    );
    let twice = directory
        .lookup_numbers(eligibility::LookupNumbersRequest {
            phone_numbers: vec!["+13125550150".to_owned(); 2],
        })
        .await
        .expect("looked up")
        .into_inner();
    assert_eq!(twice.numbers.len(), 2, "one answer per requested number");

    let mut sandbox = DirectorySandboxServiceClient::new(service.channel.clone());
    let seed = |number: &str| eligibility::SeedNumberRequest {
        phone_number: number.to_owned(),
        ..Default::default()
    };
    let bad_seed = sandbox
        .seed_numbers(eligibility::SeedNumbersRequest {
            numbers: vec![
                seed("+13125558800"),
                eligibility::SeedNumberRequest {
                    holding: Some(eligibility::Holding::Account as i32),
                    ..seed("+13125558801")
                },
            ],
        })
        .await
        .expect_err("account holding without a holder");
    let error = assert_status(&bad_seed, Code::InvalidArgument, ErrorKind::Validation);
    assert_eq!(
        error.envelope()["errors"][0]["source"]["pointer"],
        "/numbers/1/holder_account_id"
    );
    let unseeded = directory
        .lookup_numbers(eligibility::LookupNumbersRequest {
            phone_numbers: vec!["+13125558800".to_owned()],
        })
        .await
        .expect("looked up")
        .into_inner();
    assert!(
        !unseeded.numbers[0].seeded,
        "a refused batch writes nothing"
    );
    let ranges = sandbox
        .list_magic_numbers(eligibility::ListMagicNumbersRequest {})
        .await
        .expect("listed")
        .into_inner()
        .ranges;
    assert_eq!(ranges.len(), textport_sandbox::MAGIC_RANGES.len());
    service.stop().await;

    let production = start("eligibility", false).await;
    let mut sandbox = DirectorySandboxServiceClient::new(production.channel.clone());
    let absent = sandbox
        .list_magic_numbers(eligibility::ListMagicNumbersRequest {})
        .await
        .expect_err("no sandbox in production");
    assert_eq!(absent.code(), Code::Unimplemented);
    production.stop().await;
}
