//! Shared helpers of the integration tests.
#![allow(dead_code)]

pub mod events;

pub use extract::testing::extends;
