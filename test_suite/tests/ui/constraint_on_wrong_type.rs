use extract::Extract;

#[derive(Extract)]
struct Form {
    #[extract(min_items = 1)]
    name: String,
    #[extract(min_length = 3)]
    tags: Vec<String>,
}

fn main() {}
