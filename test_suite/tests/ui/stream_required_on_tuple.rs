use extract::Extract;

#[derive(Extract)]
struct Pair(#[extract(stream_required)] u32, String);

fn main() {}
