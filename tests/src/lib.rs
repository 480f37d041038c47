//! Only the e2e test binary lives here.
