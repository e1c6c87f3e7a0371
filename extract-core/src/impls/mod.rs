//! `Extract` for the std types and `serde_json::Value`.

mod boxed;
mod map;
mod number;
mod option;
mod scalar;
mod value;
mod vec;

pub use boxed::BoxBuilder;
pub use map::MapBuilder;
pub use number::{json_number, NumberBuilder};
pub use option::{NullableBuilder, OptionBuilder};
pub use scalar::{BoolBuilder, StringBuilder};
pub use value::ValueBuilder;
pub use vec::VecBuilder;
