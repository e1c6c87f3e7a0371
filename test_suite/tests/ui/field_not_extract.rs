use extract::Extract;

struct Money {
    cents: i64,
}

#[derive(Extract)]
struct Invoice {
    total: Money,
}

fn main() {}
