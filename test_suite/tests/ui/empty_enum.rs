use extract::Extract;

#[derive(Extract)]
enum Never {}

fn main() {}
