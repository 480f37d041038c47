//! The approval page in a real browser: headless Chromium (Debian's `chromium` and
//! `chromium-driver`) driven over W3C WebDriver opens the link from the holder's e-mail in the
//! sandbox mailbox, reads the request, clicks Approve, and the order moves: the receiver hears
//! `internal_transfer_approved`. Then the page's error answers, over plain HTTP.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::events::{Receiver, create_profile};
use crate::internal_transfer::{GLOBEX_NUMBER, order_for, wait_for_event};
use crate::support::{self, TestSuite};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
/// The W3C WebDriver key of an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A chromedriver child process and its browser session; dropping it ends both, on failure too.
struct Browser {
    driver: Child,
    base: String,
    session: String,
    http: reqwest::Client,
}

impl Browser {
    async fn start() -> Self {
        assert!(
            Path::new(CHROMEDRIVER).exists() && Path::new(CHROMIUM).exists(),
            "the approval page test needs headless Chromium and its WebDriver: \
             apt-get install chromium chromium-driver"
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let mut browser = Self {
            driver,
            base: format!("http://127.0.0.1:{port}"),
            session: String::new(),
            http: reqwest::Client::new(),
        };
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let ready = browser
                .http
                .get(format!("{}/status", browser.base))
                .send()
                .await;
            if let Ok(response) = ready {
                let status: Value = response.json().await.expect("JSON status");
                if status["value"]["ready"] == true {
                    break;
                }
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "chromedriver did not become ready"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let created = browser
            .command(
                Method::POST,
                "/session",
                json!({"capabilities": {"alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": {
                        "binary": CHROMIUM,
                        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
                    },
                }}}),
            )
            .await;
        browser.session = created["sessionId"]
            .as_str()
            .expect("a session id")
            .to_owned();
        browser
    }

    /// One WebDriver command; its `value`.
    async fn command(&self, method: Method, path: &str, body: Value) -> Value {
        self.try_command(method, path, body)
            .await
            .unwrap_or_else(|error| panic!("{error}"))
    }

    /// One WebDriver command; its `value`, or what went wrong.
    async fn try_command(&self, method: Method, path: &str, body: Value) -> Result<Value, String> {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if body != Value::Null {
            request = request.json(&body);
        }
        let response = request.send().await.expect("chromedriver answers");
        let status = response.status();
        let answer: Value = response.json().await.expect("a JSON answer");
        if status.is_success() {
            Ok(answer["value"].clone())
        } else {
            Err(format!("{path}: {status} {answer}"))
        }
    }

    async fn session(&self, method: Method, path: &str, body: Value) -> Value {
        self.command(method, &format!("/session/{}{path}", self.session), body)
            .await
    }

    async fn go(&self, url: &str) {
        self.session(Method::POST, "/url", json!({ "url": url }))
            .await;
    }

    async fn find(&self, css: &str) -> String {
        let found = self
            .session(
                Method::POST,
                "/element",
                json!({"using": "css selector", "value": css}),
            )
            .await;
        found[ELEMENT].as_str().expect("an element").to_owned()
    }

    async fn text(&self, css: &str) -> String {
        self.try_text(css)
            .await
            .unwrap_or_else(|error| panic!("{error}"))
    }

    /// The text of the first element `css` selects; an error while the page is being replaced.
    async fn try_text(&self, css: &str) -> Result<String, String> {
        let session = format!("/session/{}", self.session);
        let found = self
            .try_command(
                Method::POST,
                &format!("{session}/element"),
                json!({"using": "css selector", "value": css}),
            )
            .await?;
        let element = found[ELEMENT].as_str().ok_or("no element")?;
        let text = self
            .try_command(
                Method::GET,
                &format!("{session}/element/{element}/text"),
                Value::Null,
            )
            .await?;
        Ok(text.as_str().ok_or("no text")?.to_owned())
    }

    async fn attribute(&self, css: &str, name: &str) -> String {
        let element = self.find(css).await;
        self.session(
            Method::GET,
            &format!("/element/{element}/attribute/{name}"),
            Value::Null,
        )
        .await
        .as_str()
        .expect("an attribute")
        .to_owned()
    }

    async fn click(&self, css: &str) {
        let element = self.find(css).await;
        self.session(
            Method::POST,
            &format!("/element/{element}/click"),
            json!({}),
        )
        .await;
    }

    async fn url(&self) -> String {
        self.session(Method::GET, "/url", Value::Null)
            .await
            .as_str()
            .expect("a URL")
            .to_owned()
    }

    async fn source(&self) -> String {
        self.session(Method::GET, "/source", Value::Null)
            .await
            .as_str()
            .expect("the page")
            .to_owned()
    }

    /// Waits (at most 30 s) for the page's heading to read `heading`: a click's navigation may
    /// still be under way when the click answers.
    async fn wait_for_heading(&self, heading: &str) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            if self
                .try_text("h1")
                .await
                .is_ok_and(|shown| shown == heading)
            {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no heading {heading:?}: {}",
                self.source().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Drop cannot await: the session is ended with one plain HTTP request, so chromedriver
        // closes its browser before it is killed.
        if !self.session.is_empty() {
            let address = self.base.trim_start_matches("http://");
            if let Ok(mut stream) = TcpStream::connect(address) {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                let _ = write!(
                    stream,
                    "DELETE /session/{} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n",
                    self.session
                );
                let _ = stream.read_to_end(&mut Vec::new());
            }
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// The approval link in the newest e-mail to globex about `order`.
async fn link_for(suite: &TestSuite, order: &str) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let marker = format!("/approve?order_id={order}&token=");
    loop {
        let mail = suite
            .get(
                &format!("/sandbox/v1/mailbox?filter[to]={}", suite.globex().email),
                &suite.globex().api_key,
            )
            .await;
        let link = mail.body["data"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m["body_text"].as_str())
            .flat_map(str::split_whitespace)
            .find(|word| word.contains(&marker))
            .map(str::to_owned);
        if let Some(link) = link {
            return link;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no approval e-mail: {}",
            mail.body
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The page's answer to a form sent as a browser sends it.
async fn post_form(suite: &TestSuite, form: &[(&str, &str)]) -> (u16, String) {
    html_answer(suite.raw(Method::POST, "/approve").form(form)).await
}

async fn html_answer(request: reqwest::RequestBuilder) -> (u16, String) {
    let response = request.send().await.expect("the gateway answers");
    let status = response.status().as_u16();
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    (status, response.text().await.expect("a page"))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_holder_approves_on_the_page_the_email_links_to_and_the_order_moves() {
    let browser = Browser::start().await;
    let suite = support::spawn_with(textport::Config::default()).await;
    let public_key = suite.state.webhook_public_key.clone();
    let receiver = Receiver::start(&[]).await;
    let acme = suite.acme().api_key.clone();
    let profile = create_profile(&suite, &acme, (&receiver.url(), None)).await;
    let order = order_for(&suite, &[GLOBEX_NUMBER], Some(&profile)).await;
    let (_, deadline) = wait_for_event(
        &receiver,
        &public_key,
        "messaging_hosted_numbers_orders.internal_transfer_approval_requested",
    )
    .await;
    let deadline = chrono::DateTime::from_timestamp(deadline.as_i64().expect("unix seconds"), 0)
        .expect("a time");

    let link = link_for(&suite, &order).await;
    assert!(
        link.starts_with(&format!("{}/approve?", suite.state.gateway_url)),
        "the e-mail links to this suite's gateway: {link}"
    );
    let token = link.rsplit("token=").next().expect("a token").to_owned();
    browser.go(&link).await;
    let page = browser.text("main").await;
    for expected in [
        "acme",
        GLOBEX_NUMBER,
        "Decide by",
        "UTC",
        "Time left",
        "2 days 23 hours",
    ] {
        assert!(page.contains(expected), "{expected}: {page}");
    }
    assert_eq!(browser.text("dl dd").await, "acme", "the receiving account");
    assert_eq!(
        browser.text("time").await,
        deadline.format("%Y-%m-%d %H:%M UTC").to_string(),
        "the deadline, in UTC"
    );
    let shown = browser.attribute("time", "datetime").await;
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(&shown).expect("RFC 3339"),
        deadline,
        "the deadline the receiver was told"
    );

    browser
        .click("form button[name=decision][value=approve]")
        .await;
    browser.wait_for_heading("Approved").await;
    let result = browser.text("main").await;
    assert!(
        result.contains("You approved the transfer of 1 number to acme"),
        "{result}"
    );
    assert!(result.contains(GLOBEX_NUMBER), "{result}");
    let after = browser.url().await;
    assert!(
        after.ends_with("/approve") && !after.contains(&token),
        "{after}"
    );
    assert!(
        !browser.source().await.contains(&token),
        "the result page does not show the token"
    );

    // The order moved: the receiver hears the approval from hosted-order.
    let (decision, _) = wait_for_event(
        &receiver,
        &public_key,
        "messaging_hosted_numbers_orders.internal_transfer_approved",
    )
    .await;
    assert_eq!(decision, "approved");

    // The link again: the request as decided, with no form and no token.
    browser.go(&link).await;
    browser.wait_for_heading("Transfer already decided").await;
    assert!(
        browser
            .text("main")
            .await
            .contains("The transfer was approved.")
    );
    assert!(!browser.source().await.contains(&token));
    drop(browser);

    // The errors, each an HTML page with its status.
    let (status, page) = post_form(
        &suite,
        &[
            ("order_id", &order),
            ("token", &token),
            ("decision", "reject"),
        ],
    )
    .await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("already approved"), "{page}");
    assert!(!page.contains(&token));
    let (status, page) = post_form(
        &suite,
        &[
            ("order_id", &order),
            ("token", "not-the-token"),
            ("decision", "approve"),
        ],
    )
    .await;
    assert_eq!(status, 403, "{page}");
    let (status, page) = post_form(
        &suite,
        &[
            ("order_id", &uuid::Uuid::now_v7().to_string()),
            ("token", &token),
            ("decision", "approve"),
        ],
    )
    .await;
    assert_eq!(status, 404, "{page}");
    assert!(!page.contains(&token));
    for form in [
        vec![("order_id", order.as_str()), ("decision", "approve")],
        vec![
            ("order_id", "not-an-id"),
            ("token", "t"),
            ("decision", "approve"),
        ],
        vec![
            ("order_id", order.as_str()),
            ("token", "t"),
            ("decision", "maybe"),
        ],
    ] {
        let (status, page) = post_form(&suite, &form).await;
        assert_eq!(status, 400, "{form:?}: {page}");
    }
    let (status, page) =
        html_answer(suite.raw(Method::GET, &format!("/approve?order_id={order}"))).await;
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("token is missing"), "{page}");
    suite.stop().await;
}
