//! The SMC and VPC APIs: parameter encoding, signing, credentials, typed calls and errors.

pub mod account;
pub mod calls;
pub mod client;
pub mod config;
pub mod credentials;
pub mod encode;
pub mod endpoint;
pub mod error;
pub mod redact;
pub mod sign;
