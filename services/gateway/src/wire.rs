//! The public spelling of every enum the gateway shows or reads, one explicit table each (see
//! `textport_platform::public_enum`). The OpenAPI document's `enum` lists are checked against
//! these tables in the tests below.

use textport_platform::public_enum;
use textport_proto::accounts::v1 as accounts;
use textport_proto::eligibility::v1 as eligibility;
use textport_proto::hosted_order::v1 as hosted;
use textport_proto::messaging_port::v1 as porting;
use textport_proto::notifier::v1 as notifier;
use textport_proto::transfer_approval::v1 as transfer_approval;

public_enum! {
    /// `eligible_status` of an eligibility check.
    pub EligibleStatus: eligibility::EligibilityStatus {
        unspecified: Unspecified,
        Eligible => "eligible",
        NumberCanNotBeRepeated => "number_can_not_be_repeated",
        NumberCanNotBeValidated => "number_can_not_be_validated",
        NumberCanNotBeWireless => "number_can_not_be_wireless",
        NumberCanNotBeActiveInYourAccount => "number_can_not_be_active_in_your_account",
        NumberCanNotHostedWithATelnyxSubscriber => "number_can_not_hosted_with_a_telnyx_subscriber",
        NumberCanNotBeInTelnyx => "number_can_not_be_in_telnyx",
        NumberIsNotAUsNumber => "number_is_not_a_us_number",
        NumberIsNotAValidRoutingNumber => "number_is_not_a_valid_routing_number",
        NumberIsNotInE164Format => "number_is_not_in_e164_format",
        BillingAccountCheckFailed => "billing_account_check_failed",
        BillingAccountIsAbolished => "billing_account_is_abolished",
    }
}

public_enum! {
    /// A messaging profile's `webhook_api_version`.
    pub WebhookApiVersion: accounts::WebhookApiVersion {
        unspecified: Unspecified,
        V1 => "1",
        V2 => "2",
        V20100401 => "2010-04-01",
    }
}

public_enum! {
    /// A notification channel's `channel_type_id` (Telnyx's `sms` and `voice` are not delivered).
    pub NotificationChannelType: accounts::NotificationChannelType {
        unspecified: Unspecified,
        Email => "email",
        Webhook => "webhook",
    }
}

public_enum! {
    /// A sandbox number's `line_type`.
    pub LineType: eligibility::LineType {
        unspecified: Unspecified,
        Landline => "landline",
        Voip => "voip",
        Wireless => "wireless",
        TollFree => "toll_free",
    }
}

public_enum! {
    /// A sandbox number's `billing_check`.
    pub BillingCheck: eligibility::BillingCheck {
        unspecified: Unspecified,
        Ok => "ok",
        Failed => "failed",
        Abolished => "abolished",
    }
}

public_enum! {
    /// A sandbox number's `holding`.
    pub Holding: eligibility::Holding {
        unspecified: Unspecified,
        None => "none",
        Inventory => "inventory",
        Account => "account",
    }
}

public_enum! {
    /// A webhook delivery's `status`; `pending` (still being tried) is beyond Telnyx.
    pub DeliveryStatus: notifier::DeliveryStatus {
        unspecified: Unspecified,
        Delivered => "delivered",
        Failed => "failed",
        Pending => "pending",
    }
}

public_enum! {
    /// A hosted number order's `status`.
    pub HostedOrderStatus: hosted::HostedOrderStatus {
        unspecified: Unspecified,
        Pending => "pending",
        LoaFileSuccessful => "loa_file_successful",
        Provisioning => "provisioning",
        Successful => "successful",
        Failed => "failed",
        Deleted => "deleted",
        CarrierRejected => "carrier_rejected",
        IneligibleCarrier => "ineligible_carrier",
        ComplianceReviewFailed => "compliance_review_failed",
        IncompleteDocumentation => "incomplete_documentation",
        IncorrectBillingInformation => "incorrect_billing_information",
        LoaFileInvalid => "loa_file_invalid",
    }
}

public_enum! {
    /// A hosted number's `status` (with the webhook enum's `ownership_successful`).
    pub HostedNumberStatus: hosted::HostedNumberStatus {
        unspecified: Unspecified,
        Pending => "pending",
        OwnershipSuccessful => "ownership_successful",
        Provisioning => "provisioning",
        Successful => "successful",
        Deleted => "deleted",
        Failed => "failed",
        FailedActivation => "failed_activation",
        FailedCarrierRejected => "failed_carrier_rejected",
        FailedIneligibleCarrier => "failed_ineligible_carrier",
        FailedNumberAlreadyHosted => "failed_number_already_hosted",
        FailedNumberNotFound => "failed_number_not_found",
        FailedOwnershipVerification => "failed_ownership_verification",
        FailedTimeout => "failed_timeout",
    }
}

public_enum! {
    /// What an open hosted order waits on (beyond Telnyx).
    pub WaitingOn: hosted::WaitingOn {
        unspecified: Unspecified,
        CustomerVerification => "customer_verification",
        Documents => "documents",
        Review => "review",
        Carrier => "carrier",
    }
}

public_enum! {
    /// `verification_method` of a code request, and `type` of its results.
    pub VerificationMethod: hosted::VerificationMethod {
        unspecified: Unspecified,
        Sms => "sms",
        Call => "call",
    }
}

public_enum! {
    /// A validated code's `status`.
    pub CodeValidationStatus: hosted::CodeValidationStatus {
        unspecified: Unspecified,
        Verified => "verified",
        Rejected => "rejected",
        AlreadyVerified => "already_verified",
    }
}

public_enum! {
    /// A 10DLC link's `assignmentStatus` (Telnyx's upper-case spelling).
    pub AssignmentStatus: eligibility::CampaignAssignmentStatus {
        unspecified: Unspecified,
        PendingAssignment => "PENDING_ASSIGNMENT",
        Assigned => "ASSIGNED",
        FailedAssignment => "FAILED_ASSIGNMENT",
        PendingUnassignment => "PENDING_UNASSIGNMENT",
        FailedUnassignment => "FAILED_UNASSIGNMENT",
    }
}

public_enum! {
    /// `sort` of a 10DLC link list: a field, `-` first for descending. Checked against the
    /// OpenAPI document in `routes::campaigns`.
    pub CampaignSort: eligibility::PhoneNumberCampaignSort {
        unspecified: Unspecified,
        PhoneNumber => "phoneNumber",
        PhoneNumberDesc => "-phoneNumber",
        CreatedAt => "createdAt",
        CreatedAtDesc => "-createdAt",
        AssignmentStatus => "assignmentStatus",
        AssignmentStatusDesc => "-assignmentStatus",
    }
}

public_enum! {
    /// An internal transfer policy's `mode` (beyond Telnyx).
    pub TransferPolicyMode: transfer_approval::TransferPolicyMode {
        unspecified: Unspecified,
        RequireApproval => "require_approval",
        ApproveImmediately => "approve_immediately",
        RejectAtDeadline => "reject_at_deadline",
    }
}

public_enum! {
    /// A porting order's `status.value` (hyphenated; `cancelled` with two Ls).
    pub PortingOrderStatus: porting::PortingOrderStatus {
        unspecified: Unspecified,
        Draft => "draft",
        InProcess => "in-process",
        Submitted => "submitted",
        Exception => "exception",
        FocDateConfirmed => "foc-date-confirmed",
        Ported => "ported",
        CancelPending => "cancel-pending",
        Cancelled => "cancelled",
    }
}

public_enum! {
    /// `messaging.messaging_port_status`, of an order and of a number (`canceled`, one L).
    pub MessagingPortStatus: porting::MessagingPortStatus {
        unspecified: Unspecified,
        NotApplicable => "not_applicable",
        Pending => "pending",
        Activating => "activating",
        Ported => "ported",
        Exception => "exception",
        PartialPortComplete => "partial_port_complete",
        Canceled => "canceled",
    }
}

public_enum! {
    /// A porting number's `activation_status` (exact case, with spaces).
    pub ActivationStatus: porting::ActivationStatus {
        unspecified: Unspecified,
        New => "New",
        Pending => "Pending",
        Conflict => "Conflict",
        CancelPending => "Cancel Pending",
        Failed => "Failed",
        Concurred => "Concurred",
        ActivateRdy => "Activate RDY",
        DisconnectPending => "Disconnect Pending",
        ConcurrenceSent => "Concurrence Sent",
        Old => "Old",
        Sending => "Sending",
        Active => "Active",
        Cancelled => "Cancelled",
    }
}

public_enum! {
    /// A porting number's `portability_status`.
    pub PortabilityStatus: porting::PortabilityStatus {
        unspecified: Unspecified,
        Pending => "pending",
        Confirmed => "confirmed",
        Provisional => "provisional",
    }
}

public_enum! {
    /// A porting number's `requirements_status`.
    pub RequirementsStatus: porting::RequirementsStatus {
        unspecified: Unspecified,
        RequirementInfoPending => "requirement-info-pending",
        RequirementInfoUnderReview => "requirement-info-under-review",
        RequirementInfoException => "requirement-info-exception",
        Approved => "approved",
    }
}

public_enum! {
    /// A porting order's `misc.type`.
    pub PortingType: porting::PortingType {
        unspecified: Unspecified,
        Full => "full",
        Partial => "partial",
    }
}

public_enum! {
    /// A porting order's `misc.remaining_numbers_action`.
    pub RemainingNumbersAction: porting::RemainingNumbersAction {
        unspecified: Unspecified,
        Keep => "keep",
        Disconnect => "disconnect",
    }
}

public_enum! {
    /// Where a number's NNID handover stands (the sandbox's NNID call).
    pub NnidHandover: eligibility::NnidHandover {
        unspecified: Unspecified,
        Ours => "ours",
        Waiting => "waiting",
        Refused => "refused",
        None => "none",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    fn openapi_enum(document: &Value, schema: &str, property: &str) -> Vec<String> {
        document["components"]["schemas"][schema]["properties"][property]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{schema}.{property} has an enum"))
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    }

    #[test]
    fn every_table_round_trips_and_the_openapi_document_lists_the_same_values() {
        let document: Value = serde_json::from_str(crate::OPENAPI).expect("valid JSON");
        /// Schema, property, the table's round-trip check, the table's texts.
        type Row = (&'static str, &'static str, fn(), &'static [&'static str]);
        let tables: [Row; 28] = [
            (
                "HostedNumberOrder",
                "status",
                HostedOrderStatus::check,
                HostedOrderStatus::TEXTS,
            ),
            (
                "HostedOrderNumber",
                "status",
                HostedNumberStatus::check,
                HostedNumberStatus::TEXTS,
            ),
            (
                "HostedNumberOrder",
                "waiting_on",
                WaitingOn::check,
                WaitingOn::TEXTS,
            ),
            (
                "VerificationCodesRequest",
                "verification_method",
                VerificationMethod::check,
                VerificationMethod::TEXTS,
            ),
            (
                "CodeValidationResult",
                "status",
                CodeValidationStatus::check,
                CodeValidationStatus::TEXTS,
            ),
            (
                "EligibilityResult",
                "eligible_status",
                EligibleStatus::check,
                EligibleStatus::TEXTS,
            ),
            (
                "MessagingProfile",
                "webhook_api_version",
                WebhookApiVersion::check,
                WebhookApiVersion::TEXTS,
            ),
            (
                "CreateMessagingProfileRequest",
                "webhook_api_version",
                WebhookApiVersion::check,
                WebhookApiVersion::TEXTS,
            ),
            (
                "UpdateMessagingProfileRequest",
                "webhook_api_version",
                WebhookApiVersion::check,
                WebhookApiVersion::TEXTS,
            ),
            (
                "NotificationChannel",
                "channel_type_id",
                NotificationChannelType::check,
                NotificationChannelType::TEXTS,
            ),
            (
                "CreateNotificationChannelRequest",
                "channel_type_id",
                NotificationChannelType::check,
                NotificationChannelType::TEXTS,
            ),
            (
                "UpdateNotificationChannelRequest",
                "channel_type_id",
                NotificationChannelType::check,
                NotificationChannelType::TEXTS,
            ),
            (
                "SandboxNumber",
                "line_type",
                LineType::check,
                LineType::TEXTS,
            ),
            (
                "SandboxNumber",
                "billing_check",
                BillingCheck::check,
                BillingCheck::TEXTS,
            ),
            ("SandboxNumber", "holding", Holding::check, Holding::TEXTS),
            (
                "WebhookDelivery",
                "status",
                DeliveryStatus::check,
                DeliveryStatus::TEXTS,
            ),
            (
                "InternalTransferPolicy",
                "mode",
                TransferPolicyMode::check,
                TransferPolicyMode::TEXTS,
            ),
            (
                "PortingOrderStatus",
                "value",
                PortingOrderStatus::check,
                PortingOrderStatus::TEXTS,
            ),
            (
                "PortingPhoneNumber",
                "porting_order_status",
                PortingOrderStatus::check,
                PortingOrderStatus::TEXTS,
            ),
            (
                "PortingOrderMessaging",
                "messaging_port_status",
                MessagingPortStatus::check,
                MessagingPortStatus::TEXTS,
            ),
            (
                "PortingPhoneNumber",
                "messaging_port_status",
                MessagingPortStatus::check,
                MessagingPortStatus::TEXTS,
            ),
            (
                "PortingActivationSettings",
                "activation_status",
                ActivationStatus::check,
                ActivationStatus::TEXTS,
            ),
            (
                "PortingPhoneNumber",
                "activation_status",
                ActivationStatus::check,
                ActivationStatus::TEXTS,
            ),
            (
                "PortingPhoneNumber",
                "portability_status",
                PortabilityStatus::check,
                PortabilityStatus::TEXTS,
            ),
            (
                "PortingPhoneNumber",
                "requirements_status",
                RequirementsStatus::check,
                RequirementsStatus::TEXTS,
            ),
            (
                "PortingMisc",
                "type",
                PortingType::check,
                PortingType::TEXTS,
            ),
            (
                "PortingMisc",
                "remaining_numbers_action",
                RemainingNumbersAction::check,
                RemainingNumbersAction::TEXTS,
            ),
            (
                "SandboxNnidState",
                "handover",
                NnidHandover::check,
                NnidHandover::TEXTS,
            ),
        ];
        for (schema, property, check, texts) in tables {
            check();
            assert_eq!(
                openapi_enum(&document, schema, property),
                texts,
                "{schema}.{property}"
            );
        }
        for property in ["line_type", "billing_check", "holding"] {
            assert_eq!(
                openapi_enum(&document, "UpdateSandboxNumberRequest", property),
                openapi_enum(&document, "SandboxNumber", property),
                "{property}"
            );
        }
    }
}
