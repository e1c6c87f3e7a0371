//! Shared helpers of the integration tests.
#![allow(dead_code)]

pub mod events;

use serde_json::Value;

pub use extract::testing::extends;
