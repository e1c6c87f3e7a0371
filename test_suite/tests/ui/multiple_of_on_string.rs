use extract::Extract;

#[derive(Extract)]
struct Product {
    #[extract(multiple_of = 5)]
    sku: String,
}

fn main() {}
