use extract::Extract;

// Both unknown keys are reported in one compile, each on its own span; a
// value of the wrong form doesn't hide the key after it either.
#[derive(Extract)]
struct Order {
    #[extract(min_item = 1)]
    lines: Vec<String>,
    #[extract(maximun = 10)]
    quantity: u32,
    #[extract(max_length = "ten", colour = "red")]
    note: String,
}

fn main() {}
