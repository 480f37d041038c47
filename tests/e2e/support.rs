use std::sync::Arc;

use reqwest::{Method, StatusCode};
use serde_json::Value;
use textport::suite::DemoAccountState;
use textport::{Config, Storage, Suite, SuiteState, Transport};
use textport_domain::{SharedClock, SystemClock};

/// A running suite with its own databases, stopped and removed on [`TestSuite::stop`].
pub struct TestSuite {
    suite: Option<Suite>,
    pub state: SuiteState,
    pub storage: Storage,
    http: reqwest::Client,
}

/// A suite whose demo accounts have no notification settings, so each test sets up its own.
pub async fn spawn() -> TestSuite {
    spawn_with(plain_config()).await
}

pub fn plain_config() -> Config {
    let mut config = Config::default();
    config.demo.transfer_request_emails = false;
    config
}

pub async fn spawn_with(config: Config) -> TestSuite {
    spawn_on(config, Storage::fresh("t")).await
}

pub async fn spawn_on(config: Config, storage: Storage) -> TestSuite {
    spawn_timed(config, storage, Arc::new(SystemClock)).await
}

/// A suite with `up`'s business clock: with the sandbox on, one clock every service reads and
/// `POST /sandbox/v1/clock/advance` moves.
pub async fn spawn_up(config: Config) -> TestSuite {
    let clock = textport::suite::business_clock(&config);
    spawn_timed(config, Storage::fresh("t"), clock).await
}

/// A suite whose business time is `clock` (a [`textport_domain::ManualClock`] in tests that
/// move time).
pub async fn spawn_timed(config: Config, storage: Storage, clock: SharedClock) -> TestSuite {
    let listen = "127.0.0.1:0".parse().expect("valid address");
    let suite = Suite::start(&config, &storage, listen, clock, Transport::Grpc)
        .await
        .expect("suite starts");
    TestSuite {
        state: suite.state.clone(),
        suite: Some(suite),
        storage,
        http: reqwest::Client::new(),
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    /// The first error's field, e.g. `pointer` or `parameter`.
    pub fn error_source(&self, field: &str) -> Option<&str> {
        self.body["errors"][0]["source"][field].as_str()
    }

    pub fn error_code(&self) -> Option<&str> {
        self.body["errors"][0]["code"].as_str()
    }

    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "{}", self.body);
        assert_eq!(self.error_code(), Some(code), "{}", self.body);
        assert!(self.body["errors"][0]["title"].is_string(), "{}", self.body);
    }
}

/// A test that panics before `stop` still removes its files (a PostgreSQL schema needs an async
/// call, so it stays; its name starts with `t` and the run's id).
impl Drop for TestSuite {
    fn drop(&mut self) {
        if let (Some(_), Storage::SqliteDir(dir)) = (&self.suite, &self.storage) {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

impl TestSuite {
    pub fn acme(&self) -> &DemoAccountState {
        &self.state.accounts[0]
    }

    pub fn globex(&self) -> &DemoAccountState {
        &self.state.accounts[1]
    }

    /// The operator and sandbox APIs are on the gateway's admin listener, the rest on the public one.
    pub fn url(&self, path: &str) -> String {
        let admin = path.starts_with("/operator/") || path.starts_with("/sandbox/");
        let base = if admin {
            &self.state.admin_url
        } else {
            &self.state.gateway_url
        };
        format!("{base}{path}")
    }

    /// A request with a JSON body (when given) and the key (when given).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut request = self.http.request(method, self.url(path));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.send(request).await
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let response = request.send().await.expect("gateway answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("body arrives");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).expect("every answer is JSON")
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    pub fn raw(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, self.url(path))
    }

    pub async fn post(&self, path: &str, key: &str, body: Value) -> Reply {
        self.call(Method::POST, path, Some(key), Some(body)).await
    }

    pub async fn get(&self, path: &str, key: &str) -> Reply {
        self.call(Method::GET, path, Some(key), None).await
    }

    pub async fn stop(mut self) {
        if let Some(suite) = self.suite.take() {
            suite.stop().await.expect("suite stops cleanly");
        }
        self.storage.discard().await.expect("test data removed");
    }

    /// Stops the services but keeps their data, to start again on it.
    pub async fn stop_keeping_data(mut self) -> Storage {
        if let Some(suite) = self.suite.take() {
            suite.stop().await.expect("suite stops cleanly");
        }
        self.storage.clone()
    }
}
