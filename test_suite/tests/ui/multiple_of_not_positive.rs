use extract::Extract;

#[derive(Extract)]
struct Product {
    #[extract(multiple_of = 0)]
    pack: u32,
}

fn main() {}
