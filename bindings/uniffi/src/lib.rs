//! `movinet-uniffi`: UniFFI bindings over the movinet core (skeleton).
uniffi::setup_scaffolding!("movinet");

mod error;
pub use error::MovinetError;

/// The library's version.
#[uniffi::export]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
