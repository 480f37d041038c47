//! The approval page, `/approve` on the public listener with no API key: the holder's e-mail
//! links here with the order and its one-time token, and the token is the proof. `GET` shows the
//! request with Approve and Reject buttons in a plain form (no script, no outside assets);
//! `POST` decides through transfer-approval's `DecideByToken`. Every answer is HTML: every value
//! shown is escaped, and the token appears only in the hidden field of the form that sends it
//! back (never in a result or an error page, and never in a log: the span records the route).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use textport_platform::{ApiError, ErrorKind, Family, convert};
use textport_proto::transfer_approval::v1::{self as pb, TransferDecision};

use crate::state::AppState;

/// `GET /approve?order_id=…&token=…`: the request, and while it is pending, the form.
pub async fn page(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let answer = async {
        let fields = decode(query.unwrap_or_default().as_bytes(), "The link")?;
        let (order_id, token) = presented(&fields)?;
        let request = state
            .transfers
            .clone()
            .get_transfer_by_token(pb::GetTransferByTokenRequest {
                order_id: order_id.to_owned(),
                token: token.to_owned(),
            })
            .await
            .map_err(|status| ApiError::from_status(&status))?
            .into_inner()
            .transfer_request
            .ok_or_else(|| ApiError::internal_message("transfer-approval answered no request"))?;
        Ok(request_page(&request, token, state.clock.now()))
    };
    html_or_error(answer.await)
}

/// `POST /approve`, the page's form (`order_id`, `token`, `decision` = `approve` | `reject`).
pub async fn decide(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let answer = async {
        let body = form_body(&headers, body)?;
        let fields = decode(&body, "The form")?;
        let (order_id, token) = presented(&fields)?;
        let approve = match field(&fields, "decision") {
            Some("approve") => true,
            Some("reject") => false,
            _ => {
                return Err(ApiError::at_pointer(
                    ErrorKind::Validation,
                    "/decision",
                    "The form must say approve or reject.",
                ));
            }
        };
        let request = state
            .transfers
            .clone()
            .decide_by_token(pb::DecideByTokenRequest {
                order_id: order_id.to_owned(),
                token: token.to_owned(),
                approve,
            })
            .await
            .map_err(|status| ApiError::from_status(&status))?
            .into_inner()
            .transfer_request
            .ok_or_else(|| ApiError::internal_message("transfer-approval answered no request"))?;
        Ok(result_page(&request))
    };
    html_or_error(answer.await)
}

type Fields = Vec<(String, String)>;

/// A browser sends its form as `application/x-www-form-urlencoded`; no type is taken as that.
fn form_body(headers: &HeaderMap, body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    let form = headers
        .get(header::CONTENT_TYPE)
        .map(|value| {
            value.to_str().is_ok_and(|value| {
                value
                    .split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
        })
        .unwrap_or(true);
    if !form {
        return Err(ApiError::new(
            ErrorKind::UnsupportedMediaType,
            "The form must be sent as application/x-www-form-urlencoded.",
        ));
    }
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(ErrorKind::PayloadTooLarge, "The form is too large.")
        } else {
            ApiError::new(ErrorKind::MalformedBody, "The form could not be read.")
        }
    })
}

fn decode(encoded: &[u8], what: &str) -> Result<Fields, ApiError> {
    serde_urlencoded::from_bytes(encoded).map_err(|_| {
        ApiError::new(
            ErrorKind::Validation,
            format!("{what} could not be decoded."),
        )
    })
}

/// The first non-empty value of `name`.
fn field<'a>(fields: &'a Fields, name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(key, value)| key == name && !value.is_empty())
        .map(|(_, value)| value.as_str())
}

/// The order and the token, both required.
fn presented(fields: &Fields) -> Result<(&str, &str), ApiError> {
    let required = |name: &str| {
        field(fields, name).ok_or_else(|| {
            ApiError::at_parameter(
                ErrorKind::Validation,
                name,
                format!("{name} is missing: open the link from the approval e-mail again, whole."),
            )
        })
    };
    Ok((required("order_id")?, required("token")?))
}

// === pages ===

fn request_page(request: &pb::TransferRequest, token: &str, now: DateTime<Utc>) -> String {
    let receiver = receiver(request);
    let deadline = convert::datetime(request.approval_deadline.as_ref());
    let (title, asks) = match request.decision() {
        TransferDecision::Pending => ("Transfer of your numbers requested", "asks"),
        _ => ("Transfer already decided", "asked"),
    };
    let mut body = format!(
        "<h1>{title}</h1>\n\
         <p><strong>{}</strong> {asks} to host SMS on {} of yours.</p>\n\
         <dl>\n\
         <dt>Receiving account</dt><dd>{}</dd>\n\
         <dt>Numbers</dt><dd>{}</dd>\n\
         <dt>Decide by</dt><dd>{}</dd>\n",
        escape(receiver),
        count(request.phone_numbers.len()),
        escape(receiver),
        numbers(request),
        deadline.map_or_else(|| "not set".to_owned(), utc),
    );
    match request.decision() {
        TransferDecision::Pending => {
            body.push_str(&format!(
                "<dt>Time left</dt><dd>{}</dd>\n\
                 </dl>\n\
                 <p>With no answer by then, the transfer is approved automatically. If you did \
                 not expect this request, reject it.</p>\n\
                 <form method=\"post\" action=\"/approve\">\n\
                 <input type=\"hidden\" name=\"order_id\" value=\"{}\">\n\
                 <input type=\"hidden\" name=\"token\" value=\"{}\">\n\
                 <button type=\"submit\" name=\"decision\" value=\"approve\">Approve</button>\n\
                 <button type=\"submit\" name=\"decision\" value=\"reject\" class=\"reject\">Reject</button>\n\
                 </form>\n",
                deadline.map_or_else(|| "unknown".to_owned(), |at| time_left(at, now)),
                escape(&request.order_id),
                escape(token),
            ));
            document(title, &body)
        }
        decided => {
            body.push_str(&format!(
                "</dl>\n<p class=\"outcome\">{}</p>\n",
                outcome(decided, request.cancelled_by_receiver)
            ));
            document(title, &body)
        }
    }
}

fn result_page(request: &pb::TransferRequest) -> String {
    let approved = request.decision() == TransferDecision::Approved;
    let (title, verb) = if approved {
        ("Approved", "approved")
    } else {
        ("Rejected", "rejected")
    };
    let body = format!(
        "<h1>{title}</h1>\n\
         <p class=\"outcome\">You {verb} the transfer of {} to <strong>{}</strong>.</p>\n\
         <dl>\n<dt>Numbers</dt><dd>{}</dd>\n</dl>\n",
        count(request.phone_numbers.len()),
        escape(receiver(request)),
        numbers(request),
    );
    document(title, &body)
}

fn error_page(error: &ApiError) -> String {
    let title = match error.kind {
        ErrorKind::NotFound => "No transfer request found",
        ErrorKind::Forbidden => "This link is not valid",
        ErrorKind::InvalidState => "Already decided",
        ErrorKind::Validation | ErrorKind::MalformedBody => "This link is incomplete",
        ErrorKind::Unavailable | ErrorKind::Internal => "Something went wrong",
        other => other.title(),
    };
    let hint = match error.kind {
        ErrorKind::NotFound | ErrorKind::Forbidden => {
            "<p>Open the link from the approval e-mail again, whole; a link of another order or \
             an older e-mail does not work here.</p>\n"
        }
        ErrorKind::Unavailable | ErrorKind::Internal => "<p>Try again in a moment.</p>\n",
        _ => "",
    };
    let body = format!(
        "<h1>{}</h1>\n<p class=\"outcome\">{}</p>\n{hint}",
        escape(title),
        escape(&error.detail)
    );
    document(title, &body)
}

fn outcome(decision: TransferDecision, cancelled_by_receiver: bool) -> &'static str {
    match decision {
        TransferDecision::Approved => "The transfer was approved.",
        TransferDecision::Rejected if cancelled_by_receiver => {
            "The receiving account cancelled the order; the request is closed."
        }
        TransferDecision::Rejected => "The transfer was rejected.",
        TransferDecision::AutoApproved => {
            "The approval window lapsed and the transfer was approved automatically."
        }
        TransferDecision::Pending | TransferDecision::Unspecified => "The request is open.",
    }
}

/// The receiver's name; requests opened before names were kept have none.
fn receiver(request: &pb::TransferRequest) -> &str {
    if request.to_account_name.is_empty() {
        "Another account"
    } else {
        &request.to_account_name
    }
}

fn count(numbers: usize) -> String {
    match numbers {
        1 => "1 number".to_owned(),
        n => format!("{n} numbers"),
    }
}

fn numbers(request: &pb::TransferRequest) -> String {
    let items: String = request
        .phone_numbers
        .iter()
        .map(|number| format!("<li>{}</li>", escape(number)))
        .collect();
    format!("<ul class=\"numbers\">{items}</ul>")
}

fn utc(at: DateTime<Utc>) -> String {
    format!(
        "<time datetime=\"{}\">{}</time>",
        at.to_rfc3339_opts(SecondsFormat::Secs, true),
        at.format("%Y-%m-%d %H:%M UTC")
    )
}

/// Days and hours, or hours and minutes, or minutes: as precise as a person needs.
fn time_left(deadline: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let minutes = (deadline - now).num_minutes();
    if minutes < 1 {
        return if deadline > now {
            "less than a minute".to_owned()
        } else {
            "none: the window has closed".to_owned()
        };
    }
    let unit = |n: i64, one: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {one}s")
        }
    };
    let (days, hours, minutes) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    match (days, hours) {
        (0, 0) => unit(minutes, "minute"),
        (0, _) => format!("{} {}", unit(hours, "hour"), unit(minutes, "minute")),
        _ => format!("{} {}", unit(days, "day"), unit(hours, "hour")),
    }
}

/// Text as HTML text or attribute value.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// The whole page around `body` (already HTML); `title` is text.
fn document(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n\
         <html lang=\"en\">\n\
         <head>\n\
         <meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{} · textport</title>\n\
         <style>{STYLE}</style>\n\
         </head>\n\
         <body>\n<main>\n{body}</main>\n</body>\n\
         </html>\n",
        escape(title)
    )
}

const STYLE: &str = "\
body{font-family:system-ui,sans-serif;line-height:1.5;margin:0;padding:2rem 1rem;\
color:#1a1a1a;background:#f6f6f6}\
main{max-width:36rem;margin:0 auto;background:#fff;padding:1.5rem 2rem;border-radius:8px;\
border:1px solid #ddd}\
h1{font-size:1.5rem;margin-top:0}\
dt{font-weight:600}dd{margin:0 0 .75rem 0}\
ul.numbers{margin:0;padding-left:1.25rem;font-variant-numeric:tabular-nums}\
button{font:inherit;font-weight:600;padding:.6rem 1.4rem;margin-right:.75rem;border-radius:6px;\
border:2px solid #0a7a3d;background:#0a7a3d;color:#fff;cursor:pointer}\
button.reject{background:#fff;color:#a00;border-color:#a00}\
button:focus-visible{outline:3px solid #1a1a1a;outline-offset:2px}";

/// The page can be neither framed (a click on Approve must be the holder's own) nor cached
/// (it may hold the token), and it loads nothing from elsewhere.
fn html(status: StatusCode, page: String) -> Response {
    let mut response = (status, page).into_response();
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (header::CACHE_CONTROL, "no-store"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

fn html_or_error(answer: Result<String, ApiError>) -> Response {
    match answer {
        Ok(page) => html(StatusCode::OK, page),
        Err(error) => {
            error.count("http");
            html(error.http_status(Family::Messaging), error_page(&error))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + seconds, 0).expect("valid")
    }

    fn request(decision: TransferDecision, name: &str) -> pb::TransferRequest {
        pb::TransferRequest {
            order_id: "0190b3b4-0000-7000-8000-000000000001".to_owned(),
            phone_numbers: vec!["+13125552105".to_owned(), "+13125552106".to_owned()],
            to_account_name: name.to_owned(),
            decision: decision.into(),
            approval_deadline: Some(convert::timestamp(at(72 * 3600))),
            ..pb::TransferRequest::default()
        }
    }

    #[test]
    fn a_pending_request_shows_everything_escaped_and_the_token_only_in_its_field() {
        let token = "tok\"en<&>";
        let page = request_page(
            &request(
                TransferDecision::Pending,
                "<script>alert('x')</script> & co",
            ),
            token,
            at(0),
        );
        assert!(!page.contains("<script>"), "{page}");
        assert!(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co"));
        assert_eq!(
            page.matches("tok&quot;en&lt;&amp;&gt;").count(),
            1,
            "once, escaped: {page}"
        );
        assert!(!page.contains(token));
        for expected in [
            "<li>+13125552105</li><li>+13125552106</li>",
            "2 numbers",
            "<time datetime=\"2023-11-17T22:13:20Z\">2023-11-17 22:13 UTC</time>",
            "<dd>3 days 0 hours</dd>",
            "<form method=\"post\" action=\"/approve\">",
            "name=\"order_id\" value=\"0190b3b4-0000-7000-8000-000000000001\"",
            "name=\"decision\" value=\"approve\">Approve</button>",
            "name=\"decision\" value=\"reject\" class=\"reject\">Reject</button>",
            "<html lang=\"en\">",
        ] {
            assert!(page.contains(expected), "{expected}: {page}");
        }
    }

    #[test]
    fn a_decided_request_has_no_form_and_no_token() {
        let page = request_page(&request(TransferDecision::Rejected, ""), "the-token", at(0));
        assert!(!page.contains("<form"), "{page}");
        assert!(!page.contains("the-token"));
        assert!(page.contains("The transfer was rejected."));
        assert!(page.contains("Another account"), "a request without a name");
        let cancelled = pb::TransferRequest {
            cancelled_by_receiver: true,
            ..request(TransferDecision::Rejected, "acme")
        };
        assert!(
            request_page(&cancelled, "t", at(0)).contains("cancelled the order"),
            "says how it closed"
        );
    }

    #[test]
    fn results_and_errors_say_what_happened_escaped() {
        let page = result_page(&request(TransferDecision::Approved, "a<b"));
        assert!(page.contains("<h1>Approved</h1>"), "{page}");
        assert!(
            page.contains("You approved the transfer of 2 numbers to <strong>a&lt;b</strong>.")
        );
        assert!(
            result_page(&request(TransferDecision::Rejected, "a")).contains("<h1>Rejected</h1>")
        );
        let error = error_page(&ApiError::new(
            ErrorKind::InvalidState,
            "The transfer request was already <approved>.",
        ));
        assert!(error.contains("<h1>Already decided</h1>"), "{error}");
        assert!(error.contains("already &lt;approved&gt;."));
    }

    #[test]
    fn time_left_is_as_precise_as_a_person_needs() {
        let left = |seconds: i64| time_left(at(seconds), at(0));
        assert_eq!(left(72 * 3600), "3 days 0 hours");
        assert_eq!(left(25 * 3600 + 60), "1 day 1 hour");
        assert_eq!(left(3600 + 120), "1 hour 2 minutes");
        assert_eq!(left(61), "1 minute");
        assert_eq!(left(59), "less than a minute");
        assert_eq!(left(0), "none: the window has closed");
        assert_eq!(left(-60), "none: the window has closed");
    }

    #[test]
    fn the_order_and_the_token_are_required_and_forms_are_url_encoded() {
        let fields = decode(b"order_id=o&token=&decision=approve", "The form").expect("decoded");
        let error = presented(&fields).expect_err("no token");
        assert_eq!(error.kind, ErrorKind::Validation);
        assert!(error.detail.contains("token"));
        let fields = decode(b"token=a%2Bb&order_id=o", "The link").expect("decoded");
        assert_eq!(presented(&fields).expect("both"), ("o", "a+b"));

        let mut headers = HeaderMap::new();
        assert!(form_body(&headers, Ok(Bytes::new())).is_ok(), "no type");
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded; charset=UTF-8"),
        );
        assert!(form_body(&headers, Ok(Bytes::new())).is_ok());
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        assert_eq!(
            form_body(&headers, Ok(Bytes::new()))
                .expect_err("not a form")
                .kind,
            ErrorKind::UnsupportedMediaType
        );
    }

    #[test]
    fn every_answer_is_html_that_cannot_be_framed_or_cached() {
        let response = html(StatusCode::FORBIDDEN, String::new());
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let header = |name| response.headers()[name].to_str().expect("ASCII").to_owned();
        assert_eq!(header(header::CONTENT_TYPE), "text/html; charset=utf-8");
        assert_eq!(header(header::CACHE_CONTROL), "no-store");
        assert!(header(header::CONTENT_SECURITY_POLICY).contains("frame-ancestors 'none'"));
    }
}
