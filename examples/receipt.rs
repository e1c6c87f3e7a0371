//! Inputs beyond text: a photo of a receipt in, a typed `Receipt` out.
//!
//! ```sh
//! cargo run --example receipt                                  # the bundled receipt
//! cargo run --example receipt -- my-receipt.jpg --provider anthropic
//! ```
//!
//! The image is read from the file (its media type from its first bytes)
//! and sent base64-encoded, in each provider's own form (`image_url`,
//! `input_image`, an `image` block). A PDF works the same way with
//! `Part::document_file`. Without the provider's key the replay server
//! answers (with the bundled receipt's content, whatever the image).

use extract::testing::Reply;
use extract::Extract;
use extract::{Mode, Part};
use serde_json::json;

#[path = "common/backend.rs"]
mod backend;

/// A receipt, as printed.
#[derive(Extract, Debug)]
struct Receipt {
    /// The shop or restaurant.
    merchant: String,
    /// Its address, when printed.
    address: Option<String>,
    /// One entry per printed line.
    items: Vec<LineItem>,
    /// The total as printed.
    total: f64,
    /// ISO 4217 code (`CHF`, `EUR`, …).
    #[extract(pattern = "^[A-Z]{3}$")]
    currency: String,
    /// The date, as `YYYY-MM-DD`.
    date: String,
}

/// One line of a receipt.
#[derive(Extract, Debug)]
struct LineItem {
    name: String,
    #[extract(minimum = 1)]
    quantity: u32,
    /// The line's amount (quantity × unit price).
    amount: f64,
}

/// The bundled receipt (a PNG made for this example).
const BUNDLED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/receipt.png");

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .skip(1)
        .take_while(|arg| !arg.starts_with("--"))
        .next()
        .unwrap_or_else(|| BUNDLED.to_owned());
    let backend = backend::connect(|replay| replay.push(Reply::value(&bundled_answer()))).await?;

    let receipt = backend
        .client
        .chat()
        .model(&backend.model)
        .mode(Mode::Tools)
        .user_parts([
            Part::text("Extract this receipt."),
            Part::image_file(&path)?,
        ])
        .max_retries(2)
        .create::<Receipt>()
        .await?;

    println!("{} ({})", receipt.merchant, receipt.date);
    if let Some(address) = &receipt.address {
        println!("{address}");
    }
    for item in &receipt.items {
        println!(
            "  {} x {:<20} {:>8.2}",
            item.quantity, item.name, item.amount
        );
    }
    println!("  total {:>27.2} {}", receipt.total, receipt.currency);
    Ok(())
}

/// What a model reads off the bundled receipt.
fn bundled_answer() -> serde_json::Value {
    json!({
        "merchant": "Cafe Blumenhof",
        "address": "Bahnhofstrasse 12, Zurich",
        "items": [
            {"name": "Cappuccino", "quantity": 2, "amount": 9.80},
            {"name": "Gipfeli", "quantity": 1, "amount": 2.90},
            {"name": "Birchermuesli", "quantity": 1, "amount": 8.50}
        ],
        "total": 21.20,
        "currency": "CHF",
        "date": "2026-11-28"
    })
}
