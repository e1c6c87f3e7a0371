use extract::Extract;

#[derive(Extract)]
struct Nothing;

fn main() {}
