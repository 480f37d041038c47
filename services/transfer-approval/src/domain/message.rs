//! What the holder is told when a request opens. Only the e-mail carries the token (in the
//! approval link and the API form); the webhook payload and the portal notice never do.

use chrono::SecondsFormat;
use serde_json::json;
use textport_domain::OrderId;
use url::Url;

use super::{Token, TransferRequest};

/// The notifier's texts for one opened request.
pub struct ApprovalMessage {
    pub payload_json: String,
    pub email_subject: String,
    /// Holds the token: it exists only in the outbox row until delivered, and in the e-mail.
    pub email_body: String,
    pub portal_title: String,
    pub portal_body: String,
}

/// `{page}?order_id=<order>&token=<token>`, keeping any query the page already has.
pub fn approval_link(page: &Url, order: OrderId, token: &Token) -> String {
    let mut link = page.clone();
    link.query_pairs_mut()
        .append_pair("order_id", &order.to_string())
        .append_pair("token", token.expose());
    link.into()
}

pub fn approval_message(request: &TransferRequest, link: &str, token: &Token) -> ApprovalMessage {
    let order = request.order;
    let to_name = &request.to_name;
    let numbers: Vec<&str> = request.phone_numbers.iter().map(|n| n.as_str()).collect();
    let count = match numbers.len() {
        1 => "1 number".to_owned(),
        n => format!("{n} numbers"),
    };
    let deadline = request
        .approval_deadline
        .to_rfc3339_opts(SecondsFormat::Secs, true);
    let payload_json = json!({
        "order_id": order.to_string(),
        "numbers": numbers,
        "to_account_name": to_name,
        "approval_deadline": request.approval_deadline.timestamp(),
    })
    .to_string();
    let listed: String = numbers.iter().map(|n| format!("  {n}\n")).collect();
    let token = token.expose();
    let email_body = format!(
        "{to_name} asks to host SMS on {count} of yours (order {order}):\n\
         \n\
         {listed}\
         \n\
         Approve or reject the transfer by {deadline}. With no answer by then, it is approved \
         automatically.\n\
         \n\
         Decide here:\n\
         {link}\n\
         \n\
         Or with your API key (Authorization: Bearer <your API key>):\n\
         \x20 POST /v2/messaging_hosted_number_orders/{order}/approve?token={token}\n\
         \x20 POST /v2/messaging_hosted_number_orders/{order}/reject?token={token}\n\
         \n\
         The token works once. If you did not expect this request, reject it.\n"
    );
    ApprovalMessage {
        payload_json,
        email_subject: format!("Approve or reject the transfer of {count} to {to_name}"),
        email_body,
        portal_title: "Transfer of your numbers requested".to_owned(),
        portal_body: format!(
            "{to_name} asks to host SMS on {count} of yours (order {order}). Decide by {deadline} \
             with the link in the e-mail sent to you; with no answer by then, the transfer is \
             approved automatically."
        ),
    }
}
