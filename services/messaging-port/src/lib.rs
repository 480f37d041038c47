//! The messaging-port service: porting orders from draft to ported, and the messaging activation
//! that follows voice (each number watched until our NNID shows). `lib.rs` will build and serve
//! the service; for now the crate holds only its pure rules, in [`domain`].

pub mod domain;
