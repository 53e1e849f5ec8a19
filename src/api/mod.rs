//! The SMC and VPC APIs: parameter encoding, signing, credentials, typed calls and errors.

pub mod encode;
pub mod sign;
